using System.Text;
using System.Text.RegularExpressions;
using Akka.Configuration.Hocon;

namespace ActorGic.Scenarios;

/// <summary>
/// <c>--set PATH=VALUE</c> (repeatable): keys the command line sets over a scenario and the
/// defaults. Each is checked alone before any scenario is read, then the scenario is loaded as
/// <c>include "MAIN"</c> followed by one <c>PATH = VALUE</c> line per override, in the order given:
/// HOCON's own rule (a later key wins; a later block merges into an earlier one) gives them the
/// highest precedence, and the text passes every guard of <see cref="HoconFile"/>.
/// <list type="bullet">
/// <item>Paths: <c>scenario.X</c> as written; <c>actorgic.X</c> (a default of
/// hocon/actorgic.conf) is <c>scenario.X</c>, since a scenario's block of the same name overrides
/// that default (<c>actorgic.run.seed</c> and <c>.end</c> are <c>scenario.seed</c> and
/// <c>.end</c>); any other path is under <c>scenario</c> (<c>timing.remote-atomic</c>,
/// <c>gic.nmi</c>, <c>seed</c>). A path is dot-separated names; a list is replaced whole.</item>
/// <item>Values: Akka's HOCON parser reads them (<c>none</c>, <c>3us</c>, <c>[0, 2]</c>,
/// <c>{ nmi = none }</c>); one line, and nothing but the key the path names.</item>
/// <item>An error the loader finds at an overridden path, inside it or at a block above it (an
/// unknown key) names the <c>--set</c> argument as well as the path.</item>
/// </list>
/// </summary>
public sealed partial class ScenarioOverrides
{
    private readonly List<(string Argument, string Path, string Value)> _items;

    private ScenarioOverrides(List<(string, string, string)> items) => _items = items;

    public static ScenarioOverrides None { get; } = new([]);

    /// <summary>The arguments as given (without <c>--set</c>), in order.</summary>
    public IReadOnlyList<string> Arguments => _items.Select(i => i.Argument).ToList();

    public bool IsEmpty => _items.Count == 0;

    /// <summary>Checks each <c>PATH=VALUE</c>; a bad one is a <see cref="ScenarioException"/> naming it.</summary>
    public static ScenarioOverrides Parse(IEnumerable<string> arguments) => new(arguments.Select(Check).ToList());

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex Name();

    private static (string, string, string) Check(string argument)
    {
        var fail = (string reason) => new ScenarioException($"--set {argument}", reason);
        if (argument.Any(char.IsControl)) throw fail("one line only: a value cannot hold a line break or control character");
        int equals = argument.IndexOf('=');
        if (equals < 0) throw fail("expected PATH=VALUE, e.g. scenario.gic.nmi=none");
        string[] names = argument[..equals].Trim().Split('.');
        string value = argument[(equals + 1)..].Trim();
        if (names.Any(n => !Name().IsMatch(n)))
            throw fail($"\"{argument[..equals].Trim()}\" is not a key path (names of letters, digits, - and _, joined by dots: scenario.gic.nmi)");
        if (value.Length == 0) throw fail("no value after =");
        string path = string.Join('.', Map(names, fail));
        string text = $"{path} = {value}\n";
        try
        {
            // Alone, with no file to include: what it sets must be the path and only the path.
            var root = HoconFile.Parse(text, $"--set {argument}", Directory.GetCurrentDirectory(), NoFiles).Root;
            var node = root;
            foreach (string name in path.Split('.'))
            {
                var keys = node.IsObject() ? node.GetObject().Items.Keys.ToList() : [];
                if (keys.Count != 1 || keys[0] != name)
                    throw fail($"sets more than {path}: give one value (quote a string that holds a comma)");
                node = node.GetObject().Items[name];
            }
        }
        catch (ScenarioException e) when (!e.Path.StartsWith("--set ", StringComparison.Ordinal))
        {
            throw fail(e.Message);
        }
        return (argument, path, value);
    }

    private static readonly HoconFile.Reader NoFiles = (string _, ref long _) => null;

    private static readonly string[] DefaultBlocks = ["timing", "gic", "kernel", "reclaim", "invariants", "run"];

    /// <summary>The path in the scenario the loader reads: a default of hocon/actorgic.conf is set as the scenario's own key.</summary>
    private static IEnumerable<string> Map(string[] names, Func<string, ScenarioException> fail)
    {
        if (names[0] == "scenario") return names;
        if (names[0] != "actorgic") return names.Prepend("scenario");
        if (names.Length == 1 || (names[1] == "run" && names.Length == 2))
            throw fail($"name a key, not a block of defaults: {(names.Length == 1 ? $"actorgic.{{{string.Join(",", DefaultBlocks)}}}.KEY" : "actorgic.run.seed or actorgic.run.end")}");
        if (names[1] != "run") return names.Skip(1).Prepend("scenario");
        if (names.Length == 3 && names[2] is "seed" or "end") return ["scenario", names[2]];
        throw fail($"actorgic.run has seed and end only");
    }

    /// <summary>The scenario's text with the overrides over it: its main file included, then one line per override.</summary>
    internal string Wrap(string mainFile)
    {
        var text = new StringBuilder("include \"");
        foreach (char c in mainFile) text.Append(c is '"' or '\\' ? $"\\{c}" : c);
        text.Append("\"\n");
        foreach (var (_, path, value) in _items) text.Append(path).Append(" = ").Append(value).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// The loader's error, naming the override (the last one given) whose path it is at, inside or
    /// above; the error as it was when no override touches its path.
    /// </summary>
    public ScenarioException Blame(ScenarioException e)
    {
        foreach (var (argument, path, _) in Enumerable.Reverse(_items))
            if (Within(e.Path, path) || Within(path, e.Path))
                return new ScenarioException($"--set {argument}", e.Message);
        return e;
    }

    private static bool Within(string inner, string outer) =>
        inner == outer || (inner.StartsWith(outer, StringComparison.Ordinal) && inner.Length > outer.Length && inner[outer.Length] is '.' or '[');
}
