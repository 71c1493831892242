using System.Runtime.InteropServices;

namespace V2V.Core.Formats;

/// <summary>
/// A pipe read so that Ctrl-C and SIGTERM are honoured while it waits: standard input, a FIFO, a
/// process substitution (<c>&lt;(cat vm.xva)</c>). Every read first polls the descriptor for at
/// most 200 ms and checks the token, so a writer that never comes (or stalls) cannot hold the
/// process past a cancel. A FIFO is opened non-blocking for the same reason: open(2) of a FIFO
/// otherwise waits for a writer, beyond the reach of any token.
/// </summary>
public sealed partial class PipeInput : ForwardOnlyStream
{
    private const int ReadOnly = 0;
    private const int NonBlocking = 0x800;
    private const int CloseOnExec = 0x80000;
    private const short PollIn = 0x1;
    private const int Interrupted = 4; // EINTR
    private const int WouldBlock = 11; // EAGAIN
    private const int PollMilliseconds = 200;

    private readonly int _descriptor;
    private readonly bool _owned;
    private readonly CancellationToken _cancellation;
    private bool _closed;

    private PipeInput(int descriptor, bool owned, CancellationToken cancellation)
    {
        _descriptor = descriptor;
        _owned = owned;
        _cancellation = cancellation;
    }

    /// <summary>
    /// Standard input (left open when disposed). Off Linux (the Windows build), the runtime's own
    /// stream: poll(2) and these open flags are Linux's.
    /// </summary>
    public static Stream StandardInput(CancellationToken cancellation) =>
        OperatingSystem.IsLinux() ? new PipeInput(0, false, cancellation) : Console.OpenStandardInput();

    /// <summary>
    /// Opens a FIFO, character device or socket path for reading without waiting for a writer; on
    /// Windows a named pipe (\\.\pipe\NAME) or character device, each read cancellable by the token.
    /// </summary>
    public static Stream Open(string path, CancellationToken cancellation)
    {
        if (OperatingSystem.IsWindows())
        {
            return new CancellableInput(path, cancellation);
        }

        int descriptor = OpenFile(path, ReadOnly | NonBlocking | CloseOnExec);
        if (descriptor < 0)
        {
            int error = Marshal.GetLastPInvokeError();
            throw new IOException($"{path}: cannot open ({Marshal.GetPInvokeErrorMessage(error)})");
        }

        return new PipeInput(descriptor, true, cancellation);
    }

    public override unsafe int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            _cancellation.ThrowIfCancellationRequested();
            var poll = new PollDescriptor { Descriptor = _descriptor, Events = PollIn };
            int ready = Poll(ref poll, 1, PollMilliseconds);
            if (ready == 0 || (ready < 0 && Marshal.GetLastPInvokeError() == Interrupted))
            {
                continue;
            }

            if (ready < 0)
            {
                throw new IOException($"poll on the input failed ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
            }

            nint got;
            fixed (byte* destination = buffer)
            {
                got = ReadFile(_descriptor, destination, buffer.Length);
            }

            if (got >= 0)
            {
                return (int)got;
            }

            int error = Marshal.GetLastPInvokeError();
            if (error is not (Interrupted or WouldBlock))
            {
                throw new IOException($"reading the input failed ({Marshal.GetPInvokeErrorMessage(error)})");
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (_owned && !_closed)
        {
            _closed = true;
            _ = CloseFile(_descriptor);
        }

        base.Dispose(disposing);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollDescriptor
    {
        public int Descriptor;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollDescriptor descriptors, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint ReadFile(int descriptor, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseFile(int descriptor);
}
