using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Testbed.Scenarios;

/// <summary>
/// Turns scenario text into the root mapping of its single YAML document. A first pass over the parser's events
/// reports every duplicate key (the representation model would stop at the first one) and the syntax error, if any.
/// </summary>
internal static class YamlDocumentReader
{
    /// <summary>The root mapping, or null when errors were recorded.</summary>
    public static YamlMappingNode? ReadRoot(string yaml, ScenarioErrorSink sink)
    {
        if (!CheckEvents(yaml, sink))
        {
            return null;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            sink.Add(e.Start, $"YAML error: {e.Message}");
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            sink.Add(1, 1, $"YAML error: the YAML parser failed: {e.Message}");
            return null;
        }

        if (stream.Documents.Count == 0 || YamlScalars.IsNull(stream.Documents[0].RootNode))
        {
            sink.Add(1, 1, "the file is empty; a scenario needs at least 'name' and 'seed'");
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            sink.Add(YamlScalars.SecondDocumentStart(yaml), "a scenario file holds a single YAML document; a second one starts here");
        }

        var root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode mapping)
        {
            sink.Add(1, 1, $"the top level must be a mapping of scenario keys, found {YamlScalars.Describe(root)}");
            return null;
        }

        return mapping;
    }

    /// <summary>Walks the event stream; false when it recorded a duplicate key or a syntax error.</summary>
    private static bool CheckEvents(string yaml, ScenarioErrorSink sink)
    {
        var before = sink.Count;
        var open = new Stack<Collection>();
        var parser = new Parser(new StringReader(yaml));
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case MappingStart:
                        NoteNode(open, null, sink);
                        open.Push(new Collection(isMapping: true));
                        break;
                    case SequenceStart:
                        NoteNode(open, null, sink);
                        open.Push(new Collection(isMapping: false));
                        break;
                    case MappingEnd or SequenceEnd:
                        open.Pop();
                        break;
                    case Scalar scalar:
                        NoteNode(open, scalar, sink);
                        break;
                    case AnchorAlias:
                        NoteNode(open, null, sink);
                        break;
                }
            }
        }
        catch (YamlException e)
        {
            sink.Add(e.Start, $"YAML syntax error: {e.Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // YamlDotNet sometimes fails on malformed input without a YamlException (for example a plain scalar
            // running on past a line break inside an unclosed flow mapping); report it after the last event read.
            var mark = parser.Current?.End ?? Mark.Empty;
            sink.Add(mark, $"YAML syntax error at or after this point (the YAML parser failed: {e.Message})");
        }

        return sink.Count == before;
    }

    /// <summary>Records one node inside the innermost open collection; in a mapping nodes alternate key, value.</summary>
    private static void NoteNode(Stack<Collection> open, Scalar? scalar, ScenarioErrorSink sink)
    {
        if (open.Count == 0 || !open.Peek().IsMapping)
        {
            return;
        }

        var mapping = open.Peek();
        if (mapping.ExpectingKey && scalar is not null && !mapping.Keys.Add(scalar.Value))
        {
            sink.Add(scalar.Start, $"duplicate key '{scalar.Value}'");
        }

        mapping.ExpectingKey = !mapping.ExpectingKey;
    }

    private sealed class Collection(bool isMapping)
    {
        public bool IsMapping { get; } = isMapping;

        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);

        public bool ExpectingKey { get; set; } = true;
    }
}
