using System.Net;
using System.Net.Sockets;
using RtcStack.Turn.Transport;

namespace RtcStack.Turn.Tests;

/// <summary>Relay port selection on real sockets when other programs hold part of the range.</summary>
public sealed class RelayPortPoolTests
{
    [Fact]
    public void Ports_taken_by_another_program_are_skipped_without_binding_again()
    {
        // Four consecutive free ports; another "program" keeps two of them.
        (int first, Socket[] held) = FindRange(4);
        var pool = new RelayPortPool(IPAddress.Loopback, first, first + 3);
        var got = new List<Socket>();
        try
        {
            held[0].Dispose();
            held[2].Dispose(); // free: first and first + 2; still held: first + 1 and first + 3
            got.Add(pool.TryBind()!);
            got.Add(pool.TryBind()!);
            Assert.All(got, s => Assert.NotNull(s));
            Assert.Equal([first, first + 2], got.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port).Order());
            Assert.Null(pool.TryBind()); // exhausted
            long failures = pool.BindFailures;
            Assert.InRange(failures, 1, 2); // each held port refused at most once
            Assert.Null(pool.TryBind());
            Assert.Null(pool.TryBind());
            Assert.Equal(failures, pool.BindFailures); // the refused ports are not tried again for a while

            Socket firstSocket = got.Single(s => ((IPEndPoint)s.LocalEndPoint!).Port == first);
            firstSocket.Dispose();
            got.Remove(firstSocket);
            pool.Release(first);
            Socket? again = pool.TryBind(); // a port we released comes back at once
            Assert.NotNull(again);
            Assert.Equal(first, ((IPEndPoint)again.LocalEndPoint!).Port);
            got.Add(again);
        }
        finally
        {
            foreach (Socket s in got.Concat(held))
            {
                s?.Dispose();
            }
        }
    }

    /// <summary>Binds <paramref name="count"/> consecutive UDP ports on 127.0.0.1 (searching upwards from a random start).</summary>
    private static (int First, Socket[] Held) FindRange(int count)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int first = Random.Shared.Next(42000, 48000);
            var held = new Socket[count];
            int bound = 0;
            try
            {
                for (; bound < count; bound++)
                {
                    held[bound] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                    held[bound].Bind(new IPEndPoint(IPAddress.Loopback, first + bound));
                }
                return (first, held);
            }
            catch (SocketException)
            {
                foreach (Socket? s in held)
                {
                    s?.Dispose();
                }
            }
        }
        throw new InvalidOperationException("no free range of consecutive ports");
    }
}
