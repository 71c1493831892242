using System.Net;
using System.Net.Sockets;
using V2V.Adapters.VMware.VSphere;

namespace V2V.Adapters.Tests.VSphere;

/// <summary>The TCP stream under the vSphere client's TLS layer: zero-byte reads answer at once, real reads pass through.</summary>
public class TransportStreamTests
{
    private static (TransportStream Client, Socket Server, TcpListener Listener) Connected()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        return (new TransportStream(socket), listener.AcceptSocket(), listener);
    }

    [Test]
    public async Task A_zero_byte_read_returns_at_once_while_no_data_is_there_and_takes_nothing()
    {
        var (client, server, listener) = Connected();
        using var _ = client;
        using var __ = server;
        using var ___ = listener;

        var zeroAsync = client.ReadAsync(Memory<byte>.Empty).AsTask();
        Assert.That(zeroAsync.IsCompletedSuccessfully, Is.True, "a zero-byte ReadAsync must not wait for data");
        Assert.That(zeroAsync.Result, Is.Zero);

        // On its own thread, so a read that waits fails the test instead of hanging it.
        var zeroSync = Task.Run(() => client.Read(Span<byte>.Empty));
        Assert.That(zeroSync.Wait(TimeSpan.FromSeconds(10)), Is.True, "a zero-byte Read must not wait for data");
        Assert.That(zeroSync.Result, Is.Zero);

        server.Send("abc"u8);
        var buffer = new byte[8];
        int read = await client.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(buffer.AsSpan(0, read).ToArray(), Is.EqualTo("abc"u8.ToArray()));
    }

    [Test]
    public void Reads_and_writes_reach_the_other_end_and_the_end_of_the_stream_reads_as_zero()
    {
        var (client, server, listener) = Connected();
        using var _ = listener;
        using (server)
        {
            client.Write("request"u8);
            var got = new byte[7];
            int n = 0;
            while (n < got.Length)
            {
                n += server.Receive(got.AsSpan(n));
            }

            Assert.That(got, Is.EqualTo("request"u8.ToArray()));
            server.Send("reply"u8);
            server.Shutdown(SocketShutdown.Both);
        }

        using (client)
        {
            var buffer = new byte[16];
            int total = 0, read;
            while ((read = client.Read(buffer.AsSpan(total))) > 0)
            {
                total += read;
            }

            Assert.That(buffer.AsSpan(0, total).ToArray(), Is.EqualTo("reply"u8.ToArray()));
        }
    }
}
