using System.Globalization;

namespace RtcStack.Bench.Signaling;

/// <summary>Command-line settings of the load tool (see bench/signaling/README.md).</summary>
internal sealed class LoadOptions
{
    public string Proto { get; private set; } = "rtcstack";
    public string Url { get; private set; } = "ws://127.0.0.1:38010";
    public int ServerPid { get; private set; }
    public string Secret { get; private set; } = "bench-secret-0123456789-0123456789-abcdef";
    public int Conns { get; private set; }
    public int Pairs { get; private set; }
    public int RoomSize { get; private set; } = 2;
    public int Rate { get; private set; }
    public double Hold { get; private set; } = 10;
    public double Warmup { get; private set; } = 3;
    public double Duration { get; private set; } = 10;
    public int Concurrency { get; private set; } = 200;
    public int SrcIps { get; private set; } = 50;
    public int OfferEvery { get; private set; } = 10;
    public string? Out { get; private set; }

    public static LoadOptions Parse(string[] args)
    {
        var o = new LoadOptions();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string v = args[i + 1];
            switch (args[i])
            {
                case "--proto": o.Proto = v; break;
                case "--url": o.Url = v.TrimEnd('/'); break;
                case "--server-pid": o.ServerPid = Int(v); break;
                case "--secret": o.Secret = v; break;
                case "--conns": o.Conns = Int(v); break;
                case "--pairs": o.Pairs = Int(v); break;
                case "--room-size": o.RoomSize = Int(v); break;
                case "--rate": o.Rate = Int(v); break;
                case "--hold": o.Hold = Dbl(v); break;
                case "--warmup": o.Warmup = Dbl(v); break;
                case "--duration": o.Duration = Dbl(v); break;
                case "--concurrency": o.Concurrency = Int(v); break;
                case "--src-ips": o.SrcIps = Int(v); break;
                case "--offer-every": o.OfferEvery = Int(v); break;
                case "--out": o.Out = v; break;
                default: throw new ArgumentException("unknown option " + args[i]);
            }
        }

        if (o.Proto is not ("rtcstack" or "peerjs"))
        {
            throw new ArgumentException("--proto is rtcstack or peerjs");
        }

        return o;
    }

    private static int Int(string v) => int.Parse(v, CultureInfo.InvariantCulture);

    private static double Dbl(string v) => double.Parse(v, CultureInfo.InvariantCulture);
}
