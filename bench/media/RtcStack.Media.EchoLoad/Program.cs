using System.Globalization;
using RtcStack.Media.EchoLoad;

if (args.Contains("--server"))
{
    return await ServerMode.RunAsync().ConfigureAwait(false);
}

var steps = Arg("--peers", "10,50,100,200").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var seconds = double.Parse(Arg("--seconds", "15"), CultureInfo.InvariantCulture);
var warmup = double.Parse(Arg("--warmup", "3"), CultureInfo.InvariantCulture);
int? serverCpu = Arg("--server-cpu", "") is { Length: > 0 } cpu ? int.Parse(cpu, CultureInfo.InvariantCulture) : null;
int? serverNice = Arg("--server-nice", "") is { Length: > 0 } nice ? int.Parse(nice, CultureInfo.InvariantCulture) : null;
var results = new List<StepResult>();
foreach (var n in steps)
{
    var result = await LoadStep.RunAsync(n, warmup, seconds, serverCpu, serverNice).ConfigureAwait(false);
    results.Add(result);
    Console.WriteLine(result.Describe());
}
Console.WriteLine();
Console.WriteLine(StepResult.Header);
foreach (var r in results)
{
    Console.WriteLine(r.Row());
}
var saturated = results.FirstOrDefault(r => r.Saturated);
Console.WriteLine(saturated is null
    ? $"one core did not saturate up to N = {steps.Max()}"
    : $"first saturated step: N = {saturated.Peers} (server {saturated.ServerCores:F2} cores, loss in window {saturated.WindowLossPercent:F2} %)");
return 0;

string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
