namespace V2V.Core.Formats;

public sealed partial class PipeInput
{
    /// <summary>
    /// A Windows pipe or device read so that a cancelled token ends a read that waits: the read runs
    /// on the thread pool and the caller stops waiting for it when the token is cancelled (the process
    /// then cleans up and exits; the abandoned read ends with it). Overlapped I/O would let the read
    /// itself be cancelled, but an overlapped handle crashed Wine 8's completion port on a FIFO.
    /// </summary>
    private sealed class CancellableInput : ForwardOnlyStream
    {
        private const int ChunkSize = 1 << 20;
        private readonly FileStream _file;
        private readonly CancellationToken _cancellation;
        private readonly byte[] _chunk;

        public CancellableInput(string path, CancellationToken cancellation)
        {
            _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            _cancellation = cancellation;
            _chunk = new byte[ChunkSize];
        }

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }

            int count = Math.Min(buffer.Length, _chunk.Length);
            int got = _file.ReadAsync(_chunk.AsMemory(0, count), _cancellation).AsTask().WaitAsync(_cancellation).GetAwaiter().GetResult();
            _chunk.AsSpan(0, got).CopyTo(buffer);
            return got;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _file.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
