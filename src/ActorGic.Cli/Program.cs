namespace ActorGic.Cli;

public static class Program
{
    public static int Main(string[] args) => ActorGicCommand.Run(args, Console.Out, Console.Error);
}
