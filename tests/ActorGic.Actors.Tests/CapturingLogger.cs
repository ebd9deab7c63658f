using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;

namespace ActorGic.Actors.Tests;

/// <summary>
/// A logger (akka.loggers) that keeps the lines Akka's default logger would print, after the
/// system's log filters, instead of printing them: one capture per <see cref="Create"/>, shared by
/// every system configured with it (the nodes of one in-process run).
/// </summary>
public sealed class CapturingLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private const string KeyPath = "actorgic-test.log-capture";
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> Captures = new();

    /// <summary>Settings that route a system's log here, and the lines captured so far.</summary>
    public static (Config Config, Func<string[]> Lines) Create()
    {
        string key = Guid.NewGuid().ToString("N");
        var lines = Captures.GetOrAdd(key, _ => new ConcurrentQueue<string>());
        var config = ConfigurationFactory.ParseString(
            $"akka.loggers = [\"{typeof(CapturingLogger).FullName}, {typeof(CapturingLogger).Assembly.GetName().Name}\"]\n{KeyPath} = \"{key}\"");
        return (config, () => lines.ToArray());
    }

    public CapturingLogger()
    {
        var lines = Captures.GetOrAdd(Context.System.Settings.Config.GetString(KeyPath, ""), _ => new ConcurrentQueue<string>());
        var filter = Context.System.Settings.LogFilter;
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e =>
        {
            if (!filter.ShouldTryKeepMessage(e, out _)) return;
            foreach (var line in e.ToString().Split('\n')) lines.Enqueue(line.TrimEnd('\r'));
        });
    }
}
