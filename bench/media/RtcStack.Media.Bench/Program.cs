using BenchmarkDotNet.Running;

namespace RtcStack.Media.Bench;

/// <summary>Entry point: <c>dotnet run -c Release -- --filter '*' --job short</c> (see README.md).</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
