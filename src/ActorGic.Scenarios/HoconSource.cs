using System.Text;

namespace ActorGic.Scenarios;

/// <summary>
/// Reads a scenario file without trusting it: only a regular file is opened (a FIFO would block
/// the open, <c>/dev/zero</c> never ends), and never more bytes than the load has left of
/// <see cref="HoconFile.MaxBytes"/>, whatever size the file claims (files under /proc claim 0).
/// </summary>
internal static class HoconSource
{
    public static string Read(string file, ref long remaining) => Read(file, ref remaining, "scenario file", TooLarge);

    /// <summary>Reads any input file under the same guards: <paramref name="what"/> names it, <paramref name="tooLarge"/> says its limit.</summary>
    public static string Read(string file, ref long remaining, string what, Func<string, ScenarioException> tooLarge)
    {
        if (Directory.Exists(file)) throw new ScenarioException(file, $"is a directory, not a {what}");
        if (KindOf(file) is { } kind) throw new ScenarioException(file, $"is {kind}, not a regular file");
        // The size the file claims only sizes the first buffer: reading stops one byte past the limit.
        var buffer = new byte[(int)Math.Min(remaining + 1, new FileInfo(file).Length + 4096)];
        int read = 0;
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            while (true)
            {
                if (read == buffer.Length)
                {
                    if (read > remaining) throw tooLarge(file);
                    Array.Resize(ref buffer, (int)Math.Min(remaining + 1, 2L * buffer.Length));
                }
                int n = stream.Read(buffer, read, buffer.Length - read);
                if (n == 0) break;
                read += n;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException(file, $"cannot be read: {HoconFile.OneLine(e.Message)}");
        }
        remaining -= read;
        using var reader = new StreamReader(new MemoryStream(buffer, 0, read), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>The bytes of a text given as a string, charged like a file's.</summary>
    public static void Charge(string text, string origin, ref long remaining)
    {
        long bytes = text.Length > remaining ? text.Length : Encoding.UTF8.GetByteCount(text);
        if (bytes > remaining) throw TooLarge(origin);
        remaining -= bytes;
    }

    private static ScenarioException TooLarge(string file) =>
        new(file, $"larger than {HoconFile.MaxBytes / (1 << 20)} MiB, the limit for a scenario with its included files");

    /// <summary>What a non-regular file is (a FIFO, a character device, ...), or null for a regular file (or one that cannot be asked).</summary>
    private static string? KindOf(string file) => FileKinds.Of(file).Kind switch
    {
        FileKind.Fifo => "a FIFO",
        FileKind.CharDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        FileKind.Directory => "a directory",
        _ => null,
    };
}
