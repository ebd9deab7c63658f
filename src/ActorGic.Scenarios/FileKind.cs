using System.Runtime.InteropServices;

namespace ActorGic.Scenarios;

/// <summary>What kind of file a path names.</summary>
public enum FileKind { Missing, Regular, Directory, CharDevice, BlockDevice, Fifo, Socket, Symlink, Error }

/// <summary>
/// What a path is before anything opens it: a FIFO blocks an open, <c>/dev/zero</c> never ends,
/// a device must be written in place. .NET says only whether a path is a directory, so on Linux
/// this asks statx(2), whose buffer has one layout on every architecture (unlike struct stat);
/// elsewhere, or where libc has no statx, an existing non-directory counts as a regular file.
/// Used by the scenario reader and by the command line's outputs.
/// </summary>
public static class FileKinds
{
    /// <summary>The kind of <paramref name="path"/>, following symlinks unless told not to; for <see cref="FileKind.Error"/>, the system's reason.</summary>
    public static (FileKind Kind, string? Error) Of(string path, bool follow = true)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                if (Statx(AtFdCwd, path, follow ? 0 : AtSymlinkNoFollow, StatxType, out var status) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    return errno == Enoent ? (FileKind.Missing, null) : (FileKind.Error, Marshal.GetPInvokeErrorMessage(errno));
                }
                return (status.Mode & 0xF000) switch
                {
                    0x8000 => (FileKind.Regular, null),
                    0x4000 => (FileKind.Directory, null),
                    0x2000 => (FileKind.CharDevice, null),
                    0x6000 => (FileKind.BlockDevice, null),
                    0x1000 => (FileKind.Fifo, null),
                    0xA000 => (FileKind.Symlink, null),
                    _ => (FileKind.Socket, null),
                };
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // a libc without statx: fall back to what .NET can tell
            }
        }
        return (Directory.Exists(path) ? FileKind.Directory
            : !follow && new FileInfo(path).LinkTarget is not null ? FileKind.Symlink
            : File.Exists(path) ? FileKind.Regular : FileKind.Missing, null);
    }

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int Enoent = 2;

    /// <summary>struct statx (linux/stat.h): 256 bytes; stx_mode is the 16 bits at offset 28.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)] public ushort Mode;
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int directoryFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, out StatxBuffer buffer);
}
