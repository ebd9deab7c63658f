namespace ActorGic.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        using var interruption = Interruption.OnSignals();
        return ActorGicCommand.Run(args, Console.Out, Console.Error, interruption);
    }
}
