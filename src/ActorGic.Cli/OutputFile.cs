using System.Text;
using ActorGic.Scenarios;

namespace ActorGic.Cli;

/// <summary>
/// One file the command line writes (<c>--report</c>, <c>--trace</c>, <c>trace perfetto -o</c>): it
/// keeps the argument's name for messages, where the bytes go, and until <see cref="Commit"/> the
/// temporary that holds them. It exists so that an output is whole or absent and never destroys
/// what sits at its path:
/// <list type="bullet">
/// <item><c>-</c> is standard output: the bytes are held in memory and reach the command's writer
/// only on commit, so a failure prints nothing.</item>
/// <item>A regular file, or a name not yet taken, is written to a uniquely named temporary in the
/// same directory (rename is atomic only within a file system) and renamed over the path on commit,
/// keeping the old file's permissions. A symlink is followed to its final target: the link stays.</item>
/// <item>A device, FIFO or other non-regular file is written in place, never replaced or deleted
/// (renaming over <c>/dev/full</c> as root would turn the device into a JSON file).</item>
/// </list>
/// <see cref="Open"/> checks, before the run, everything that can be checked then: it throws
/// <see cref="ScenarioException"/> naming the argument (exit 2). A write that fails later throws
/// <see cref="OutputException"/> (exit 3). <see cref="Dispose"/> without a commit deletes the temporary.
/// </summary>
internal sealed class OutputFile : IDisposable
{
    private enum Kind { StandardOutput, Temporary, InPlace }

    private readonly Kind _kind;
    private readonly string _argument;
    private readonly string _target;
    private readonly TextWriter? _standardOutput;
    private readonly string? _temporary;
    private Stream? _stream;
    private bool _committed;

    private OutputFile(Kind kind, string argument, string shown, string target, Stream? stream, string? temporary, TextWriter? standardOutput)
    {
        (_kind, _argument, Shown, _target, _stream, _temporary, _standardOutput) = (kind, argument, shown, target, stream, temporary, standardOutput);
    }

    /// <summary>The path as the user gave it, for messages.</summary>
    public string Shown { get; }

    public bool IsStandardOutput => _kind == Kind.StandardOutput;

    /// <summary>True when the bytes go to a temporary renamed over <see cref="Target"/>.</summary>
    public bool ReplacesFile => _kind == Kind.Temporary;

    /// <summary>The file the bytes end up in, symlinks resolved; null for standard output.</summary>
    public string? Target => _kind == Kind.StandardOutput ? null : _target;

    /// <summary>Checks <paramref name="path"/> and prepares to write it; nothing at the path changes yet.</summary>
    public static OutputFile Open(string argument, string path, TextWriter standardOutput)
    {
        if (path.Length == 0) throw new ScenarioException(argument, "empty path (- writes to standard output)");
        if (path == "-") return new OutputFile(Kind.StandardOutput, argument, "standard output", "-", new MemoryStream(), null, standardOutput);
        string full = Path.GetFullPath(path);
        var (type, error) = FileKinds.Of(full);
        switch (type)
        {
            case FileKind.Directory:
                throw new ScenarioException(argument, $"{path} is a directory");
            case FileKind.Error:
                throw new ScenarioException(argument, $"cannot write {path}: {error}");
            case FileKind.Regular or FileKind.Missing:
                return ThroughTemporary(argument, path, full);
            case FileKind.Fifo:
                // Opening a FIFO waits for its reader, and closing it is the reader's end of file: open it only to write.
                return new OutputFile(Kind.InPlace, argument, path, full, null, null, null);
            default:
                // A device or socket: opened now, so one that cannot be written stops the run before it starts.
                return new OutputFile(Kind.InPlace, argument, path, full, Create(argument, $"cannot write {path}", full, () => OpenInPlace(full)), null, null);
        }
    }

    private static OutputFile ThroughTemporary(string argument, string path, string full)
    {
        // A dangling symlink names a file to create at its target, as a shell's > would.
        string target = FileKinds.Of(full, follow: false).Kind == FileKind.Symlink
            ? File.ResolveLinkTarget(full, returnFinalTarget: true)!.FullName
            : full;
        string directory = Path.GetDirectoryName(target)!;
        if (FileKinds.Of(directory).Kind != FileKind.Directory)
            throw new ScenarioException(argument, $"directory {directory} does not exist");
        // The temporary is made once now, to prove the directory takes new files, and again only
        // to write: a run interrupted meanwhile (Ctrl-C, a kill) leaves nothing behind.
        string temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Path.GetRandomFileName().Replace(".", "")}.tmp");
        Create(argument, $"cannot create a file in {directory}", temporary, () => CreateTemporary(temporary, null)).Dispose();
        File.Delete(temporary);
        return new OutputFile(Kind.Temporary, argument, path, target, null, temporary, null);
    }

    private static FileStream OpenInPlace(string path) => new(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);

    /// <summary>A new file that takes the permissions of <paramref name="replacing"/>, the file it will be renamed over, if there is one.</summary>
    private static FileStream CreateTemporary(string temporary, string? replacing)
    {
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        if (replacing is not null && File.Exists(replacing) && !OperatingSystem.IsWindows())
            File.SetUnixFileMode(stream.SafeFileHandle, File.GetUnixFileMode(replacing));
        return stream;
    }

    private static FileStream Create(string argument, string what, string path, Func<FileStream> open)
    {
        try
        {
            return open();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException(argument, $"{what}: {Reason(e, path)}");
        }
    }

    /// <summary>
    /// Writes every output, then commits them all: nothing is committed unless every write
    /// succeeded. Temporaries and standard output (held in memory) are written first; files written
    /// in place last, since what reached a device cannot be taken back. Standard output is printed
    /// before the renames, which are the least likely step to fail.
    /// </summary>
    public static void WriteAll(params (OutputFile? File, Action<Stream> Write)[] outputs)
    {
        var present = outputs.Where(o => o.File is not null).Select(o => (File: o.File!, o.Write)).ToList();
        foreach (var (file, write) in present.OrderBy(o => o.File._kind == Kind.InPlace)) file.Write(write);
        foreach (var (file, _) in present.OrderBy(o => o.File._kind == Kind.Temporary)) file.Commit();
    }

    private void Write(Action<Stream> write)
    {
        try
        {
            _stream ??= _kind == Kind.Temporary ? CreateTemporary(_temporary!, _target) : OpenInPlace(_target);
            write(_stream);
            if (_stream is FileStream file) file.Flush(flushToDisk: _kind == Kind.Temporary);
            else _stream.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException(_argument, $"cannot write {Shown}: {Reason(e, _temporary, _target)}");
        }
    }

    private void Commit()
    {
        try
        {
            if (_kind == Kind.StandardOutput) Print((MemoryStream)_stream!, _standardOutput!);
            CloseStream();
            if (_kind == Kind.Temporary) File.Move(_temporary!, _target, overwrite: true);
            _committed = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException(_argument, $"cannot write {Shown}: {Reason(e, _temporary, _target)}");
        }
    }

    /// <summary>The held bytes, decoded a chunk at a time so a large trace never becomes one string.</summary>
    private static void Print(MemoryStream bytes, TextWriter writer)
    {
        var decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
        var buffer = bytes.GetBuffer();
        var chars = new char[64 * 1024];
        int length = (int)bytes.Length;
        for (int at = 0; at < length;)
        {
            int take = Math.Min(chars.Length / 2, length - at);
            int count = decoder.GetChars(buffer, at, take, chars, 0, flush: at + take == length);
            writer.Write(chars, 0, count);
            at += take;
        }
        writer.Flush();
    }

    private void CloseStream()
    {
        var stream = _stream;
        _stream = null;
        stream?.Dispose();
    }

    public void Dispose()
    {
        try
        {
            CloseStream();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A device that refused the bytes refuses them again when the stream flushes on close; Write reported it already.
        }
        if (_temporary is not null && !_committed)
        {
            try { File.Delete(_temporary); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* a temporary we cannot delete: nothing better to do */ }
        }
    }

    /// <summary>The system's reason without the path .NET puts in it (the temporary's name would only confuse).</summary>
    private static string Reason(Exception e, params string?[] paths) =>
        paths.OfType<string>().Aggregate(e.Message, (message, path) => message.Replace($" : '{path}'", "").Replace($" '{path}'", ""))
            .ReplaceLineEndings(" ");
}

/// <summary>An output could not be written after the run: exit 3, one line naming the argument.</summary>
internal sealed class OutputException(string argument, string reason) : Exception($"{argument}: {reason}");
