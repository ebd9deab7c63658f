using BenchmarkDotNet.Running;

namespace ActorGic.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project src/ActorGic.Benchmarks -- --filter '*'
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
