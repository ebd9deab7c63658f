using System.Runtime.InteropServices;
using System.Text;

namespace ActorGic.Scenarios;

/// <summary>
/// Reads a scenario file without trusting it: only a regular file is opened (a FIFO would block
/// the open, <c>/dev/zero</c> never ends), and never more bytes than the load has left of
/// <see cref="HoconFile.MaxBytes"/>, whatever size the file claims (files under /proc claim 0).
/// </summary>
internal static class HoconSource
{
    public static string Read(string file, ref long remaining)
    {
        if (Directory.Exists(file)) throw new ScenarioException(file, "is a directory, not a scenario file");
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
                    if (read > remaining) throw TooLarge(file);
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

    /// <summary>What a non-regular file is (a FIFO, a character device, ...), or null for a regular file or where Linux's statx is not there to ask.</summary>
    private static string? KindOf(string file)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var status = new byte[256];
        try
        {
            if (Statx(AtFdCwd, file, 0, StatxType, status) != 0) return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        int type = BitConverter.ToUInt16(status, ModeOffset) & 0xF000;
        return type switch
        {
            0x8000 => null,
            0x1000 => "a FIFO",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0xC000 => "a socket",
            0x4000 => "a directory",
            _ => "an unusual file",
        };
    }

    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    /// <summary>stx_mode in struct statx, the same on every Linux architecture (unlike struct stat).</summary>
    private const int ModeOffset = 28;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}
