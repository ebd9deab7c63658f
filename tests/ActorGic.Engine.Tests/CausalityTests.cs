namespace ActorGic.Engine.Tests;

/// <summary>Causality at run time: a component never takes an event earlier than one it has already handled.</summary>
public class CausalityTests
{
    private sealed class Probe() : Component(id: 7, new TraceRecorder(7, keepEvents: false))
    {
        public int Handled { get; private set; }
        protected override void Handle(in SimEvent e) => Handled++;
    }

    private static SimEvent At(long time) => new() { Time = time, Target = 7, Source = 3, Kind = EventKind.Offer };

    [Fact]
    public void An_event_from_the_past_is_an_internal_error_naming_the_times()
    {
        var probe = new Probe();
        probe.Deliver(At(100));
        probe.Deliver(At(100)); // the same nanosecond is not the past
        var e = Assert.Throws<InvalidOperationException>(() => probe.Deliver(At(99)));
        Assert.Equal("causality: an event (Offer from component 3) at t=99 ns came after one at t=100 ns", e.Message);
        Assert.Equal(2, probe.Handled);
        var aborted = RunAbortedException.ComponentFailed(probe, e);
        Assert.Equal("component 7 failed at t=100 ns: causality: an event (Offer from component 3) at t=99 ns came after one at t=100 ns", aborted.Message);
        Assert.Equal(100, aborted.ReachedNs);
    }
}
