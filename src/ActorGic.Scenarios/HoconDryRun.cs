using Akka.Configuration.Hocon;

namespace ActorGic.Scenarios;

/// <summary>
/// Walks Akka's own tokenizer through exactly the steps of Akka's recursive Parser
/// (ParseObject, ParseKeyContent, ParseValue, ParseArray in Akka 1.5.73), with an explicit stack
/// instead of recursion, before the real parse. It refuses what would make the real parse
/// overflow the stack or never end:
/// <list type="bullet">
/// <item>more than <see cref="MaxFrames"/> parser calls deep (each block, list or dotted key
/// part is two of Akka's calls);</item>
/// <item>a character in a list that is neither a value, a comma nor <c>]</c>: Akka's ParseArray
/// then adds empty values for ever (<c>[ x = 1 ]</c>);</item>
/// <item>keys whose dotted paths, which Akka builds for every key, add up past
/// <see cref="MaxPathCharacters"/>;</item>
/// <item>a rewritten substitution (<see cref="HoconScan.Placeholder"/>) anywhere but in a value.</item>
/// </list>
/// Counting brackets in the text is not enough: Akka's ParseKeyContent skips <c>}</c>, <c>[</c>
/// and <c>]</c>, and ParseObject skips <c>{</c>, so <c>x = [ { { } = 1 } ]</c> loops although
/// every bracket balances, and <c>x { a } . b { c } . d ...</c> recurses once per part.
/// Where the tokenizer throws, the real parse throws the same exception at the same place:
/// it is reported as Akka would report it.
/// </summary>
internal static class HoconDryRun
{
    /// <summary>
    /// The deepest shipped scenario needs 12 (scenario, actions, an action, its target list); 64
    /// keeps Akka's recursion to a few kilobytes of stack per file even through
    /// <see cref="HoconFile.MaxIncludeDepth"/> nested includes.
    /// </summary>
    public const int MaxFrames = 64;

    /// <summary>
    /// Akka's ParseObject builds the dotted path of every key it reads (<c>currentPath + "." + key</c>),
    /// so a long key above many keys costs their product: a 500,000-character key over 60,000
    /// keys took Akka 52 s. A 1 MiB scenario of actions builds about 2 Mi characters of paths.
    /// </summary>
    public const long MaxPathCharacters = 16L << 20;

    private enum Kind : byte { Object, Key, Value, Array }

    /// <summary>
    /// One of Akka's parser calls, with the length of the path Akka passes it.
    /// <paramref name="Waiting"/> is set while a call it made is running.
    /// </summary>
    private record struct Frame(Kind Kind, int PathLength, bool Root = false, bool Waiting = false, bool Consumed = false);

    private sealed class Reader(string text) : HoconTokenizer(text)
    {
        private readonly int _length = text.Length;

        /// <summary>
        /// Where the tokenizer is, for a message. Akka keeps the index private, and its
        /// PickErrorLine fails at a line break, so this finds how much text is left:
        /// Take(n) answers null once n passes the end.
        /// </summary>
        public int Position
        {
            get
            {
                int left = 0, most = _length;
                while (left < most)
                {
                    int n = left + (most - left + 1) / 2;
                    Push();
                    bool fits = Take(n) is not null;
                    Pop();
                    if (fits) left = n;
                    else most = n - 1;
                }
                return _length - left;
            }
        }

        /// <summary>HoconTokenizer.IsValue, which Akka keeps internal.</summary>
        public bool IsValue() =>
            IsArrayStart() || IsObjectStart() || IsStartOfTripleQuotedText() || IsSubstitutionStart() || IsStartOfQuotedText()
            || (!EoF && !IsWhitespace() && !IsStartOfComment() && HoconScan.NotInUnquotedText.IndexOf(Peek()) < 0);
    }

    public static void Check(string text, string origin)
    {
        var reader = new Reader(text);
        try
        {
            Run(reader, text, origin);
        }
        catch (ScenarioException)
        {
            throw;
        }
        catch (Exception e)
        {
            throw HoconScan.Malformed(origin, HoconFile.Describe(e.Message, text));
        }
    }

    private static void Run(Reader reader, string text, string origin)
    {
        var stack = new List<Frame>();
        bool valueConsumed = false;
        long pathCharacters = 0;
        reader.PullWhitespaceAndComments();
        stack.Add(new Frame(Kind.Object, 0, Root: true));
        while (stack.Count > 0)
        {
            if (stack.Count > MaxFrames)
                throw HoconScan.Malformed(origin, $"blocks, lists and dotted keys nest more than {MaxFrames / 2} deep {Where(reader, text)}");
            int top = stack.Count - 1;
            var f = stack[top];
            switch (f.Kind)
            {
                case Kind.Object: // ParseObject: keys until '}' (root) or one key (a dotted key's part)
                    if ((f.Waiting && !f.Root) || reader.EoF) { stack.RemoveAt(top); break; }
                    stack[top] = f with { Waiting = false };
                    var t = reader.PullNext();
                    NotPlaceholder(t, reader, text, origin);
                    if (t.Type == TokenType.Key)
                    {
                        int path = f.PathLength == 0 ? t.Value.Length : f.PathLength + 1 + t.Value.Length;
                        pathCharacters += path;
                        if (pathCharacters > MaxPathCharacters)
                            throw HoconScan.Malformed(origin, $"keys too long for their number {Where(reader, text)} (their dotted paths pass {MaxPathCharacters >> 20} Mi characters)");
                        stack[top] = f with { Waiting = true };
                        stack.Add(new Frame(Kind.Key, path));
                    }
                    else if (t.Type == TokenType.ObjectEnd) stack.RemoveAt(top);
                    break;
                case Kind.Key: // ParseKeyContent: skips tokens until '.', '=' or ':', or '{'
                    if (f.Waiting) { stack.RemoveAt(top); break; }
                    Frame? next = null;
                    while (next is null && !reader.EoF)
                    {
                        var k = reader.PullNext();
                        NotPlaceholder(k, reader, text, origin);
                        next = k.Type switch
                        {
                            TokenType.Dot => new Frame(Kind.Object, f.PathLength, Root: false),
                            TokenType.Assign => new Frame(Kind.Value, f.PathLength),
                            TokenType.ObjectStart => new Frame(Kind.Object, f.PathLength, Root: true),
                            _ => null,
                        };
                    }
                    if (next is { } child)
                    {
                        stack[top] = f with { Waiting = true };
                        stack.Add(child);
                    }
                    else stack.RemoveAt(top);
                    break;
                case Kind.Value: // ParseValue: value tokens separated by spaces or tabs, then an optional comma
                    if (f.Waiting)
                    {
                        if (reader.IsSpaceOrTab()) reader.PullSpaceOrTab();
                        stack[top] = f = f with { Waiting = false };
                    }
                    else if (!f.Consumed)
                    {
                        if (reader.EoF) throw new FormatException("End of file reached while trying to read a value");
                        reader.PullWhitespaceAndComments();
                    }
                    if (reader.IsValue())
                    {
                        var v = reader.PullValue();
                        if (v.Type == TokenType.Substitute)
                            throw HoconScan.Malformed(origin, $"malformed substitution {Where(reader, text)}: write ${{path.to.key}}");
                        var nested = v.Type switch
                        {
                            TokenType.ObjectStart => new Frame(Kind.Object, f.PathLength, Root: true),
                            TokenType.ArrayStart => new Frame(Kind.Array, f.PathLength),
                            _ => (Frame?)null,
                        };
                        stack[top] = f with { Consumed = true, Waiting = nested is not null };
                        if (nested is { } inner) stack.Add(inner);
                        else if (reader.IsSpaceOrTab()) reader.PullSpaceOrTab();
                        break;
                    }
                    bool comma = reader.IsComma();
                    if (comma) reader.PullComma();
                    valueConsumed = f.Consumed || comma;
                    stack.RemoveAt(top);
                    break;
                case Kind.Array: // ParseArray: values until ']'
                    if (f.Waiting)
                    {
                        reader.PullWhitespaceAndComments();
                        if (!valueConsumed && !reader.EoF && !reader.IsArrayEnd())
                            throw HoconScan.Malformed(origin,
                                $"'{reader.Peek()}' cannot stand directly inside a list {Where(reader, text)} (a list holds values: write {{ key = value }} for a block)");
                        stack[top] = f = f with { Waiting = false };
                    }
                    if (!reader.EoF && !reader.IsArrayEnd())
                    {
                        stack[top] = f with { Waiting = true };
                        stack.Add(new Frame(Kind.Value, f.PathLength));
                    }
                    else
                    {
                        reader.PullArrayEnd();
                        stack.RemoveAt(top);
                    }
                    break;
            }
        }
    }

    /// <summary>A rewritten substitution where Akka reads a key or an include would not be a substitution at all.</summary>
    private static void NotPlaceholder(Token t, Reader reader, string text, string origin)
    {
        if (t.Type is TokenType.Key or TokenType.Include && t.Value?.Contains(HoconScan.Placeholder) == true)
        {
            int dollar = text.LastIndexOf(HoconScan.Placeholder, Math.Max(0, reader.Position - 1)) - 1;
            throw HoconScan.Malformed(origin, $"a substitution can only stand in a value {Where(Math.Max(0, dollar), text)}");
        }
    }

    private static string Where(Reader reader, string text) => Where(reader.Position, text);

    private static string Where(int position, string text)
    {
        int line = 1 + text.AsSpan(0, position).Count('\n');
        int column = position - (text.LastIndexOf('\n', Math.Max(0, position - 1)) + 1) + 1;
        return $"at line {line}, column {column}";
    }
}
