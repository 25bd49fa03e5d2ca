using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Testbed.Scenarios;

/// <summary>Collects the errors of one scenario file so that all of them can be reported together.</summary>
internal sealed class ScenarioErrorSink(string file)
{
    private readonly List<ScenarioError> errors = [];

    public string File { get; } = file;

    public int Count => errors.Count;

    /// <summary>True once a script an entry names failed to load: its kind is unknown, so expectations cannot be checked against it.</summary>
    public bool ScriptFailed { get; set; }

    public void Add(int line, int column, string message) => errors.Add(new ScenarioError(File, line, column, message));

    /// <summary>An error in another file (a script the scenario names).</summary>
    public void AddIn(string file, int line, int column, string message) => errors.Add(new ScenarioError(file, line, column, message));

    public void Add(Mark mark, string message) => Add(ToInt(mark.Line), ToInt(mark.Column), message);

    public void Add(YamlNode node, string message) => Add(node.Start, message);

    /// <summary>
    /// Throws a <see cref="ScenarioException"/> with every error, if there is any: the scenario file's in file order, then
    /// those of the scripts it names, each script's in its own order.
    /// </summary>
    public void ThrowIfAny()
    {
        if (errors.Count > 0)
        {
            throw new ScenarioException(errors.OrderBy(e => e.File == File ? 0 : 1).ThenBy(e => e.File, StringComparer.Ordinal)
                .ThenBy(e => e.Line).ThenBy(e => e.Column).ToList().AsReadOnly());
        }
    }

    private static int ToInt(long value) => (int)Math.Clamp(value, 1, int.MaxValue);
}
