using Akka.Event;

namespace ActorGic.Actors;

/// <summary>
/// Drops Akka.Remote's error for a peer that went away: its endpoint writer fails with
/// "Disassociated" and its supervisor logs that, stack trace included, on standard output. A
/// lost node is the run's own business, reported in one line (and a worker whose coordinator is
/// lost says so too). Every other log event is kept.
/// </summary>
public sealed class LostPeerNoise : LogFilterBase
{
    public override LogFilterType FilterType => LogFilterType.Content;

    public override LogFilterDecision ShouldKeepMessage(LogEvent content, string? expandedMessage = null) =>
        content is Error { Cause: { } cause } && cause.GetType().FullName == "Akka.Remote.EndpointDisassociatedException"
            ? LogFilterDecision.Drop
            : LogFilterDecision.Keep;
}

/// <summary>
/// Keeps a node's port quiet under garbage. A connection that is not an ActorGic node (random
/// bytes, an HTTP request, a frame Akka cannot decode, a handshake that never completes) makes
/// Akka.Remote log an error, a DotNetty stack trace included, once or twice per connection, on
/// standard output. These are dropped: the inbound channel's errors (TcpServerHandler) and those of
/// the association's protocol actors (under /system/transports/akkaprotocolmanager); the first one
/// becomes one warning line on <paramref name="warnings"/> (standard error by default), the rest are
/// only counted. Every other log event is kept. One instance may serve several systems (the nodes
/// of one in-process run): still one line.
/// </summary>
public sealed class ConnectionNoise(TextWriter? warnings = null) : LogFilterBase
{
    private const string InboundChannel = "Akka.Remote.Transport.DotNetty.TcpServerHandler";
    private const string Associations = "/system/transports/akkaprotocolmanager";
    private int _dropped;

    /// <summary>Log events dropped so far.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    public override LogFilterType FilterType => LogFilterType.Content;

    public override LogFilterDecision ShouldKeepMessage(LogEvent content, string? expandedMessage = null)
    {
        if (!IsConnectionNoise(content)) return LogFilterDecision.Keep;
        if (Interlocked.Increment(ref _dropped) == 1)
            (warnings ?? Console.Error).WriteLine(
                $"actorgic: warning: a connection to this node's port failed and was closed ({Describe(content)}); further ones are not reported");
        return LogFilterDecision.Drop;
    }

    private static bool IsConnectionNoise(LogEvent e) =>
        e is Error or Warning
        && (e.LogClass?.FullName == InboundChannel || e.LogSource?.Contains(Associations, StringComparison.Ordinal) == true);

    /// <summary>The event in a few words: its cause's message (the innermost), else its own.</summary>
    private static string Describe(LogEvent e)
    {
        var cause = (e as Error)?.Cause;
        while (cause?.InnerException is not null) cause = cause.InnerException;
        string text = (cause is null ? e.Message?.ToString() : $"{cause.GetType().Name}: {cause.Message}") ?? "";
        text = text.ReplaceLineEndings(" ");
        return text.Length <= 160 ? text : text[..160] + "...";
    }
}
