using System.Reflection;
using Akka.Event;
using ActorGic.Actors;
using Xunit;

namespace ActorGic.Actors.Tests;

/// <summary>A killed worker's disconnection error is dropped from a process's log; nothing else is.</summary>
public class LostPeerNoiseTests
{
    private static Exception Disassociated()
    {
        var type = typeof(Akka.Remote.RemoteSettings).Assembly.GetType("Akka.Remote.EndpointDisassociatedException", throwOnError: true)!;
        var constructor = type.GetConstructor(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, [typeof(string)])!;
        return (Exception)constructor.Invoke(["Disassociated"]);
    }

    [Fact]
    public void Only_the_remote_layer_disassociation_error_is_dropped()
    {
        var filter = new LostPeerNoise();
        const string writer = "akka://actorgic/system/endpointManager/reliableEndpointWriter-1/endpointWriter";
        Assert.Equal(LogFilterDecision.Drop, filter.ShouldKeepMessage(new Error(Disassociated(), writer, typeof(object), "Disassociated")));
        Assert.Equal(LogFilterDecision.Keep, filter.ShouldKeepMessage(new Error(new InvalidOperationException("boom"), writer, typeof(object), "boom")));
        Assert.Equal(LogFilterDecision.Keep, filter.ShouldKeepMessage(new Error(null, writer, typeof(object), "Disassociated")));
        Assert.Equal(LogFilterDecision.Keep, filter.ShouldKeepMessage(new Warning(writer, typeof(object), "Disassociated")));
    }

    [Fact]
    public void A_process_system_carries_the_filter()
    {
        var setup = ProcessCluster.ProcessSetup(0, "127.0.0.1:1");
        var filters = setup.Get<LogFilterSetup>();
        Assert.True(filters.HasValue);
        Assert.Contains(filters.Value.Filters, f => f is LostPeerNoise);
    }
}
