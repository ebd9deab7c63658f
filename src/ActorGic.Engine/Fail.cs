using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace ActorGic.Engine;

/// <summary>
/// The engine's internal-error throws, kept out of line: a check on the hot path then costs a
/// compare and a call that never runs, not the message formatting inlined at every send site.
/// </summary>
internal static class Fail
{
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void Delay(int component, long delay) =>
        throw new InvalidOperationException($"component {component}: delay {delay} < 1 ns");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void Unexpected(string component, int index, EventKind kind) =>
        throw new InvalidOperationException($"{component} {index}: unexpected {kind}");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void SeqExhausted(int component) =>
        throw new InvalidOperationException($"component {component} sent 2^31 - 1 events: runs this long are not supported");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void Causality(Component component, in SimEvent e) =>
        throw new InvalidOperationException(
            $"causality: an event ({e.Kind} from component {e.Source}) at t={e.Time} ns came after one at t={component.Now} ns");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void RoutedIntoThePast(int component, long time, long windowEnd) =>
        throw new InvalidOperationException(
            $"causality: an event at t={time} ns was routed to component {component} after its window up to t={windowEnd} ns");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void InThePast(long time, long now) =>
        throw new InvalidOperationException($"event at {time} enqueued after time {now}");

    // The actor engine's (its assembly sees this one's internals): every send of the model inlines
    // ComponentActor.Post, so a message formatted there would cost every handler a zeroed builder.

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void SentOutsideWindow(int component) =>
        throw new InvalidOperationException($"component {component} sent outside a window");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void NoActor(int component) =>
        throw new InvalidOperationException($"no actor for component {component}");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void AgendaInThePast(long time, long round) =>
        throw new InvalidOperationException($"agenda entry at {time} before the round at {round}");
}
