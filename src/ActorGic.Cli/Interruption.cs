using System.Runtime.InteropServices;

namespace ActorGic.Cli;

/// <summary>
/// How a command is stopped from outside: SIGINT (Ctrl-C) or SIGTERM cancel <see cref="Token"/>
/// instead of killing the process, so every engine's wait ends promptly and cleanly (no output
/// moved into place, exit 130, one line naming the signal). A second signal ends the process at
/// once, as it would without this.
/// </summary>
public sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly List<PosixSignalRegistration> _registrations = new();
    private string? _cause;

    public CancellationToken Token => _source.Token;

    /// <summary>What stopped the command (SIGINT, SIGTERM, or what <see cref="Cancel"/> was told), once it is stopped.</summary>
    public string Cause => Volatile.Read(ref _cause) ?? "cancellation";

    /// <summary>An interruption that only <see cref="Cancel"/> triggers (tests, callers that embed the command line).</summary>
    public Interruption()
    {
    }

    /// <summary>Listens for SIGINT and SIGTERM.</summary>
    public static Interruption OnSignals()
    {
        var interruption = new Interruption();
        foreach (var (signal, name) in new[] { (PosixSignal.SIGINT, "SIGINT"), (PosixSignal.SIGTERM, "SIGTERM") })
        {
            try
            {
                interruption._registrations.Add(PosixSignalRegistration.Create(signal, context =>
                {
                    if (interruption.Token.IsCancellationRequested) return; // the second one: the default, the process ends now
                    context.Cancel = true;
                    interruption.Cancel(name);
                }));
            }
            catch (PlatformNotSupportedException)
            {
                // a platform without this signal: Ctrl-C still ends the process the usual way
            }
        }
        return interruption;
    }

    public void Cancel(string cause)
    {
        Interlocked.CompareExchange(ref _cause, cause, null);
        _source.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _source.Dispose();
    }
}
