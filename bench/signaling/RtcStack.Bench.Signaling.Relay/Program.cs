using BenchmarkDotNet.Running;

namespace RtcStack.Bench.Signaling.Relay;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project bench/signaling/RtcStack.Bench.Signaling.Relay -- --filter '*'</c>
/// (see bench/signaling/README.md). Runs in process (no generated child project).
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
