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

/// <summary>Garbage connections' errors are dropped from a node's log, the first one said in one warning line; nothing else is.</summary>
public class ConnectionNoiseTests
{
    private static readonly Type InboundChannel =
        typeof(Akka.Remote.RemoteSettings).Assembly.GetType("Akka.Remote.Transport.DotNetty.TcpServerHandler", throwOnError: true)!;

    private const string Association =
        "akka.tcp://actorgic@127.0.0.1:40661/system/transports/akkaprotocolmanager.tcp.0/akkaProtocol-tcp%3A%2F%2Factorgic%40127.0.0.1%3A43786-7";

    [Fact]
    public void A_garbage_connection_s_errors_are_dropped_and_the_first_is_one_warning_line()
    {
        var warnings = new StringWriter();
        var filter = new ConnectionNoise(warnings);
        var frame = new Error(new InvalidDataException("Adjusted frame length exceeds 16777216: 542393671 - discarded\n   at DotNetty..."),
            "TcpServerHandler (akka://actorgic)", InboundChannel, "Error caught channel [[::ffff:127.0.0.1]:40661->[::ffff:127.0.0.1]:43786](Id=3f843739)");
        Assert.Equal(LogFilterDecision.Drop, filter.ShouldKeepMessage(frame));
        Assert.Equal(LogFilterDecision.Drop, filter.ShouldKeepMessage(
            new Error(null, Association, typeof(object), "No response from remote for inbound association. Handshake timed out after [15000] ms")));
        Assert.Equal(LogFilterDecision.Drop, filter.ShouldKeepMessage(new Warning(Association, typeof(object), "handshake failed")));
        Assert.Equal(3, filter.Dropped);
        Assert.Equal("actorgic: warning: a connection to this node's port failed and was closed " +
            "(InvalidDataException: Adjusted frame length exceeds 16777216: 542393671 - discarded    at DotNetty...); further ones are not reported" +
            Environment.NewLine, warnings.ToString());
    }

    [Fact]
    public void Every_other_log_event_is_kept()
    {
        var warnings = new StringWriter();
        var filter = new ConnectionNoise(warnings);
        const string writer = "akka://actorgic/system/endpointManager/reliableEndpointWriter-1/endpointWriter";
        Assert.Equal(LogFilterDecision.Keep, filter.ShouldKeepMessage(new Error(new InvalidOperationException("boom"), writer, typeof(object), "boom")));
        Assert.Equal(LogFilterDecision.Keep, filter.ShouldKeepMessage(new Info("TcpServerHandler (akka://actorgic)", InboundChannel, "Connection was reset")));
        Assert.Equal(LogFilterDecision.Keep, filter.ShouldKeepMessage(new Error(null, "akka://actorgic/user/root-keeper", typeof(object), "failed")));
        Assert.Equal(0, filter.Dropped);
        Assert.Equal("", warnings.ToString());
    }

    [Fact]
    public void Process_and_in_process_nodes_carry_both_filters()
    {
        foreach (var setup in new[] { ProcessCluster.ProcessSetup(0, "127.0.0.1:1"), ClusterEngine.NodeSetup(ClusterEngine.NodeConfig(), new ConnectionNoise()) })
        {
            var filters = setup.Get<LogFilterSetup>().Value.Filters;
            Assert.Contains(filters, f => f is LostPeerNoise);
            Assert.Contains(filters, f => f is ConnectionNoise);
        }
    }
}
