using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Testbed.Envelopes;

namespace Testbed.Defenses.Authz;

/// <summary>Reads policy YAML strictly: unknown keys, bad patterns and bad kinds are errors with file:line:column.</summary>
internal static class AuthzPolicyReader
{
    private static readonly string[] TopKeys = ["allow"];
    private static readonly string[] RuleKeys = ["from", "to", "kinds"];

    /// <summary>Request kinds a rule may name (replies and handshakes are never subject to authorization).</summary>
    private static readonly EnvelopeKind[] RequestKinds =
        [EnvelopeKind.Order, EnvelopeKind.Debit, EnvelopeKind.Credit, EnvelopeKind.BalanceQuery, EnvelopeKind.Echo];

    public static IReadOnlyList<AuthzRule> Read(string yaml, string source)
    {
        var errors = new Errors(source);
        var rules = new List<AuthzRule>();
        if (Root(yaml, errors) is { } root && Mapping(root, "the policy", TopKeys, errors) is { } top)
        {
            if (!top.TryGetValue("allow", out var allow))
            {
                errors.Add(root.Start, "missing required key 'allow' (a list of rules; an empty list denies everything)");
            }
            else if (allow is not YamlSequenceNode list)
            {
                errors.Add(allow.Start, $"'allow' must be a list of rules, found {Describe(allow)}");
            }
            else
            {
                for (var i = 0; i < list.Children.Count; i++)
                {
                    if (ReadRule(list.Children[i], $"allow[{i}]", errors) is { } rule)
                    {
                        rules.Add(rule);
                    }
                }
            }
        }

        errors.ThrowIfAny();
        return rules;
    }

    private static YamlNode? Root(string yaml, Errors errors)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            var hint = e.Message.Contains("alias", StringComparison.OrdinalIgnoreCase) ? " (quote a pattern that starts with '*': from: \"*\")" : "";
            errors.Add(e.Start, $"YAML error: {e.Message}{hint}");
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            errors.Add(Mark.Empty, $"YAML error: the YAML parser failed: {e.Message}");
            return null;
        }

        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            errors.Add(Mark.Empty, "the policy is empty; it needs an 'allow' list");
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            errors.Add(Testbed.Scenarios.YamlScalars.SecondDocumentStart(yaml), "a policy file holds a single YAML document; a second one starts here");
        }

        return stream.Documents[0].RootNode;
    }

    private static AuthzRule? ReadRule(YamlNode node, string path, Errors errors)
    {
        if (Mapping(node, path, RuleKeys, errors) is not { } rule)
        {
            return null;
        }

        var before = errors.Count;
        var from = Pattern(rule, node, path, "from", errors);
        var to = Pattern(rule, node, path, "to", errors);
        var kinds = Kinds(rule, node, path, errors);
        return errors.Count == before ? new AuthzRule(from!, to!, kinds, ToInt(node.Start.Line)) : null;
    }

    private static PrincipalPattern? Pattern(Dictionary<string, YamlNode> rule, YamlNode node, string path, string key, Errors errors)
    {
        if (Scalar(rule, node, path, key, errors) is not { } scalar)
        {
            return null;
        }

        if (PrincipalPattern.TryParse(scalar.Value!, out var pattern, out var error))
        {
            return pattern;
        }

        errors.Add(scalar.Start, $"{path}.{key}: {error}");
        return null;
    }

    private static List<EnvelopeKind> Kinds(Dictionary<string, YamlNode> rule, YamlNode node, string path, Errors errors)
    {
        var kinds = new List<EnvelopeKind>();
        if (!rule.TryGetValue("kinds", out var value) || IsNull(value))
        {
            errors.Add(node.Start, $"{path}: missing required key 'kinds' (a list such as [order])");
            return kinds;
        }

        if (value is not YamlSequenceNode list || list.Children.Count == 0)
        {
            errors.Add(value.Start, $"{path}.kinds must be a non-empty list of request kinds ({Names()}), found {Describe(value)}");
            return kinds;
        }

        foreach (var item in list.Children)
        {
            if (item is not YamlScalarNode { Value: { } text } || IsNull(item))
            {
                errors.Add(item.Start, $"{path}.kinds: each kind is a name ({Names()}), found {Describe(item)}");
            }
            else if (!TryKind(text, out var kind))
            {
                errors.Add(item.Start, $"{path}.kinds: '{text}' is not a request kind; allowed: {Names()}");
            }
            else if (kinds.Contains(kind))
            {
                errors.Add(item.Start, $"{path}.kinds: '{text}' is listed twice");
            }
            else
            {
                kinds.Add(kind);
            }
        }

        return kinds;
    }

    private static bool TryKind(string text, out EnvelopeKind kind)
    {
        kind = default;
        foreach (var candidate in RequestKinds)
        {
            if (string.Equals(candidate.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }

        return false;
    }

    private static string Names() => string.Join(", ", RequestKinds.Select(k => k.ToString().ToLowerInvariant()));

    private static YamlScalarNode? Scalar(Dictionary<string, YamlNode> rule, YamlNode node, string path, string key, Errors errors)
    {
        if (!rule.TryGetValue(key, out var value) || IsNull(value))
        {
            errors.Add(node.Start, $"{path}: missing required key '{key}'");
            return null;
        }

        if (value is YamlScalarNode { Value: not null } scalar)
        {
            return scalar;
        }

        errors.Add(value.Start, $"{path}.{key} must be a principal pattern, found {Describe(value)}");
        return null;
    }

    /// <summary>The entries of a mapping with only <paramref name="allowed"/> keys; errors for anything else.</summary>
    private static Dictionary<string, YamlNode>? Mapping(YamlNode node, string what, string[] allowed, Errors errors)
    {
        if (node is not YamlMappingNode mapping)
        {
            errors.Add(node.Start, $"{what} must be a mapping with keys {string.Join(", ", allowed)}, found {Describe(node)}");
            return null;
        }

        var entries = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key } || !allowed.Contains(key, StringComparer.Ordinal))
            {
                errors.Add(keyNode.Start, $"unknown key '{(keyNode as YamlScalarNode)?.Value ?? Describe(keyNode)}' in {what}; allowed keys: {string.Join(", ", allowed)}");
                continue;
            }

            if (!entries.TryAdd(key, value))
            {
                errors.Add(keyNode.Start, $"duplicate key '{key}' in {what}");
            }
        }

        return entries;
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: not (ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) } s
        && (s.Value is null or "" or "~" or "null" or "Null" or "NULL");

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s when IsNull(s) => "nothing (null)",
        YamlScalarNode s => $"'{s.Value}'",
        _ => "an alias",
    };

    private static int ToInt(long value) => (int)Math.Clamp(value, 1, int.MaxValue);

    /// <summary>Collects errors so that all of them are reported together.</summary>
    private sealed class Errors(string file)
    {
        private readonly List<AuthzPolicyError> _errors = [];

        public int Count => _errors.Count;

        public void Add(Mark mark, string message) => _errors.Add(new AuthzPolicyError(file, ToInt(mark.Line), ToInt(mark.Column), message));

        public void ThrowIfAny()
        {
            if (_errors.Count > 0)
            {
                throw new AuthzPolicyException(_errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToArray());
            }
        }
    }
}
