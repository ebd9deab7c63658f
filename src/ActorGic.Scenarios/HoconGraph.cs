using Akka.Configuration.Hocon;

namespace ActorGic.Scenarios;

/// <summary>
/// After Akka's parse of a rewritten text: turns the placeholders back into substitutions,
/// resolves them the way Akka's Config.GetValue would (a dotted path from the root, through
/// blocks and through substitutions that stand for blocks), then walks the whole value graph once
/// without recursion. Akka's own getters (GetString, IsObject, GetArray) recurse through
/// substitutions, so the graph must be safe for them before anyone reads it: no cycle (a
/// substitution inside what it refers to), no chain deeper than <see cref="MaxHeight"/>, no
/// doubling that expands past <see cref="MaxExpanded"/>, and no key left without a value.
/// </summary>
internal static class HoconGraph
{
    /// <summary>The shipped scenarios are 6 values deep (root, scenario, actions, an action, to, a CPU); 64 leaves room and keeps Akka's getters shallow.</summary>
    public const int MaxHeight = 64;

    /// <summary>
    /// Characters and values after substitution, counted once per use: four times what
    /// <see cref="HoconFile.MaxBytes"/> of text can hold without substitutions, so a few copies
    /// of a block pass and <c>a1 = ${a0}${a0}, a2 = ${a1}${a1}, ...</c> does not.
    /// </summary>
    public const long MaxExpanded = 4L * HoconFile.MaxBytes;

    public static void Resolve(HoconValue root, string origin)
    {
        var subs = Placeholders(root);
        var resolving = new HashSet<HoconSubstitution>(ReferenceEqualityComparer.Instance);
        foreach (var sub in subs) Resolve(sub, root, resolving, origin, 0);
        Check(root, origin);
    }

    /// <summary>Replaces each placeholder literal by the substitution it stands for, in place, and lists them in document order.</summary>
    private static List<HoconSubstitution> Placeholders(HoconValue root)
    {
        var subs = new List<HoconSubstitution>();
        var seen = new HashSet<HoconValue>(ReferenceEqualityComparer.Instance);
        var todo = new Stack<HoconValue>();
        todo.Push(root);
        while (todo.Count > 0)
        {
            var value = todo.Pop();
            if (!seen.Add(value)) continue;
            var children = new List<HoconValue>();
            for (int i = 0; i < value.Values.Count; i++)
                switch (value.Values[i])
                {
                    case HoconLiteral { Value: [HoconScan.Placeholder, .. var path] }:
                        var sub = new HoconSubstitution(path);
                        value.Values[i] = sub;
                        subs.Add(sub);
                        break;
                    case HoconObject o:
                        children.AddRange(o.Items.Values);
                        break;
                    case HoconArray a:
                        children.AddRange(a);
                        break;
                }
            for (int i = children.Count - 1; i >= 0; i--) todo.Push(children[i]);
        }
        return subs;
    }

    private static HoconValue Resolve(HoconSubstitution sub, HoconValue root, HashSet<HoconSubstitution> resolving, string origin, int depth)
    {
        if (sub.ResolvedValue is { } done) return done;
        if (depth > MaxHeight)
            throw new ScenarioException(origin, $"substitution ${{{sub.Path}}} goes through more than {MaxHeight} other substitutions");
        if (!resolving.Add(sub)) throw new ScenarioException(origin, $"substitution ${{{sub.Path}}} refers to itself");
        var node = root;
        foreach (var part in sub.Path.Split('.'))
        {
            var block = BlockOf(node, root, resolving, origin, depth);
            if (block is null || !block.Items.TryGetValue(part, out var child))
                throw new ScenarioException(origin, $"unresolved substitution ${{{sub.Path}}}: no such key");
            node = child;
        }
        resolving.Remove(sub);
        sub.ResolvedValue = node;
        return node;
    }

    /// <summary>HoconValue.GetObject: the value's first element if it is a block, or what its leading substitution stands for.</summary>
    private static HoconObject? BlockOf(HoconValue value, HoconValue root, HashSet<HoconSubstitution> resolving, string origin, int depth)
    {
        var seen = new HashSet<HoconValue>(ReferenceEqualityComparer.Instance);
        while (seen.Add(value))
        {
            switch (value.Values.FirstOrDefault())
            {
                case HoconObject o: return o;
                case HoconSubstitution s: value = Resolve(s, root, resolving, origin, depth + 1); break;
                default: return null;
            }
        }
        throw new ScenarioException(origin, "substitutions refer to each other in a circle");
    }

    /// <summary>How a value was reached: by a key, a list index or a substitution. Paths are only spelled out for a message.</summary>
    private readonly record struct Edge(HoconValue Child, string? Key, int Index, HoconSubstitution? Via)
    {
        public string Extend(string path) =>
            Via is not null ? Via.Path : Key is not null ? (path.Length == 0 ? Key : $"{path}.{Key}") : $"{path}[{Index}]";
    }

    private sealed class Node(HoconValue value, Edge from)
    {
        public HoconValue Value { get; } = value;
        public Edge From { get; } = from;
        public List<Edge> Edges { get; } = [];
        public int Next;
        public int Height;
        public long Size;
    }

    /// <summary>Depth-first over values, following blocks, lists and substitutions, each value once.</summary>
    private static void Check(HoconValue root, string origin)
    {
        var done = new Dictionary<HoconValue, (int Height, long Size)>(ReferenceEqualityComparer.Instance);
        var onStack = new Dictionary<HoconValue, int>(ReferenceEqualityComparer.Instance);
        var stack = new List<Node>();
        Enter(stack, onStack, new Node(root, default), origin);
        while (stack.Count > 0)
        {
            var node = stack[^1];
            if (node.Next < node.Edges.Count)
            {
                var edge = node.Edges[node.Next++];
                if (done.TryGetValue(edge.Child, out var known))
                {
                    if (known.Height + stack.Count >= MaxHeight) throw TooDeep(edge.Extend(PathOf(stack)), origin);
                    node.Height = Math.Max(node.Height, known.Height + 1);
                    node.Size = Add(node.Size, known.Size);
                }
                else if (onStack.TryGetValue(edge.Child, out int at))
                    throw Cycle(stack, at, edge.Via, origin);
                else if (stack.Count >= MaxHeight)
                    throw TooDeep(edge.Extend(PathOf(stack)), origin);
                else
                    Enter(stack, onStack, new Node(edge.Child, edge), origin);
                continue;
            }
            if (node.Size > MaxExpanded)
                throw new ScenarioException(Name(PathOf(stack), origin), $"substitutions expand this past {MaxExpanded / HoconFile.MaxBytes} Mi characters");
            stack.RemoveAt(stack.Count - 1);
            onStack.Remove(node.Value);
            done[node.Value] = (node.Height, node.Size);
            if (stack.Count > 0)
            {
                var parent = stack[^1];
                parent.Height = Math.Max(parent.Height, node.Height + 1);
                parent.Size = Add(parent.Size, node.Size);
            }
        }
    }

    private static void Enter(List<Node> stack, Dictionary<HoconValue, int> onStack, Node node, string origin)
    {
        var value = node.Value;
        onStack[value] = stack.Count;
        stack.Add(node);
        if (value.Values.Count == 0)
            throw new ScenarioException(Name(PathOf(stack), origin), "malformed HOCON: no value");
        node.Size = 1;
        foreach (var element in value.Values)
            switch (element)
            {
                case HoconObject o:
                    foreach (var (key, child) in o.Items) node.Edges.Add(new Edge(child, key, 0, null));
                    break;
                case HoconArray a:
                    for (int i = 0; i < a.Count; i++) node.Edges.Add(new Edge(a[i], null, i, null));
                    break;
                case HoconSubstitution { ResolvedValue: { } target } s:
                    node.Edges.Add(new Edge(target, null, 0, s));
                    break;
                case HoconLiteral l:
                    node.Size += l.Value?.Length ?? 0;
                    break;
            }
    }

    /// <summary>The HOCON path of the value on top of the stack (a substitution restarts it at the path it names).</summary>
    private static string PathOf(List<Node> stack)
    {
        string path = "";
        for (int i = 1; i < stack.Count; i++) path = stack[i].From.Extend(path);
        return path;
    }

    private static ScenarioException Cycle(List<Node> stack, int at, HoconSubstitution? via, string origin)
    {
        var through = stack.Skip(at + 1).Select(n => n.From.Via).OfType<HoconSubstitution>().Select(s => $"${{{s.Path}}}").ToList();
        string what = via is null ? "refers to itself" : $"substitution ${{{via.Path}}} refers to itself";
        string chain = through.Count > 0 ? $" (through {string.Join(", ", through)})" : "";
        return new ScenarioException(Name(PathOf(stack), origin), what + chain);
    }

    private static ScenarioException TooDeep(string path, string origin) =>
        new(Name(path, origin), $"values nest more than {MaxHeight} deep once substitutions and included files are followed");

    private static string Name(string path, string origin) => path.Length == 0 ? origin : path;

    private static long Add(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
