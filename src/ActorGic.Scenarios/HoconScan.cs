namespace ActorGic.Scenarios;

/// <summary>
/// The character-level pre-scan of a HOCON text, before Akka's parser sees it: braces and
/// brackets must balance, strings must end, and every substitution must be a plain
/// <c>${path.to.key}</c>, which it rewrites into a placeholder (see <see cref="Placeholder"/>).
/// </summary>
internal static class HoconScan
{
    /// <summary>Characters Akka's tokenizer never takes into unquoted text (HoconTokenizer.NotInUnquotedText).</summary>
    internal const string NotInUnquotedText = "$\"{}[]:=,#`^?!@*&\\";

    /// <summary>
    /// Marks a rewritten substitution. <c>${a.b}</c> becomes the quoted string <c>"\u0001a.b"</c>:
    /// the same length (so Akka's line and column numbers stay right) and, to Akka's parser, a
    /// plain value token where the substitution was. Akka therefore never resolves a
    /// substitution; <see cref="HoconGraph"/> turns the placeholders back into substitutions
    /// and resolves them without recursion.
    /// </summary>
    internal const char Placeholder = '\u0001';

    /// <summary>
    /// Checks balance and strings (Akka's parser forgives unterminated blocks and lists; a
    /// scenario must not be read half) and returns the text with its substitutions rewritten.
    /// </summary>
    public static string Scan(string text, string origin)
    {
        var open = new Stack<(char Bracket, int Line)>();
        char[]? rewritten = null;
        int line = 1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\n') { line++; continue; }
            if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                continue;
            }
            if (c == '"')
            {
                bool triple = i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"';
                int end = triple ? text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal) : QuoteEnd(text, i + 1);
                if (end < 0) throw Malformed(origin, $"unterminated string on line {line}");
                line += text.AsSpan(i, end - i).Count('\n');
                i = triple ? end + 2 : end;
                continue;
            }
            if (c == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                int close = SubstitutionEnd(text, i, line, origin);
                rewritten ??= text.ToCharArray();
                rewritten[i] = '"';
                rewritten[i + 1] = Placeholder;
                rewritten[close] = '"';
                i = close;
                continue;
            }
            if (c is '{' or '[') open.Push((c, line));
            else if (c is '}' or ']')
            {
                char want = c == '}' ? '{' : '[';
                if (open.Count == 0 || open.Peek().Bracket != want)
                    throw Malformed(origin, $"unexpected '{c}' on line {line}");
                open.Pop();
            }
        }
        if (open.Count > 0)
            throw Malformed(origin, $"'{open.Peek().Bracket}' opened on line {open.Peek().Line} is never closed");
        return rewritten is null ? text : new string(rewritten);
    }

    /// <summary>
    /// The index of the <c>}</c> closing the substitution at <paramref name="start"/>. Akka reads
    /// <c>${?x}</c> and <c>${ x }</c> as a substitution of the empty path, which resolves to the
    /// whole document and so contains itself: only dotted paths of unquoted key parts are let through.
    /// </summary>
    private static int SubstitutionEnd(string text, int start, int line, string origin)
    {
        int i = start + 2;
        while (i < text.Length && IsPathChar(text[i])) i++;
        string path = text[(start + 2)..i];
        if (i < text.Length && text[i] == '?')
            throw Malformed(origin, $"optional substitution ${{?...}} on line {line} is not supported: refer to a key that exists");
        if (i >= text.Length || text[i] != '}' || path.Length == 0 || path.Split('.').Any(part => part.Length == 0))
            throw Malformed(origin, $"malformed substitution on line {line}: write ${{path.to.key}}");
        return i;
    }

    private static bool IsPathChar(char c) => !char.IsWhiteSpace(c) && NotInUnquotedText.IndexOf(c) < 0 && c != '/';

    private static int QuoteEnd(string text, int from)
    {
        for (int i = from; i < text.Length; i++)
        {
            if (text[i] == '\\') { i++; continue; }
            if (text[i] == '"') return i;
            if (text[i] == '\n') return -1;
        }
        return -1;
    }

    internal static ScenarioException Malformed(string origin, string reason) => new(origin, $"malformed HOCON: {reason}");
}
