using V2V.Adapters.XenServer.Xva;
using V2V.Core.Formats;
using V2V.Core.Vm;

namespace V2V.Adapters.XenServer;

/// <summary>XVA exports: a tar whose first member is ova.xml, plain or compressed whole with gzip or zstd.</summary>
public sealed class XvaFormat : IStreamableVmSourceFormat
{
    public string Name => "xva";
    public IReadOnlyList<string> Extensions { get; } = ["xva"];

    public bool Detect(FileProbe probe) => XvaCompression.Detect(probe.Head.Span) is not null;

    public IVmSource Open(string path, SourceOptions options, FormatRegistry disks)
    {
        var file = File.OpenRead(path);
        try
        {
            var head = new byte[FileProbe.HeadSize];
            int got = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            file.Position = 0;
            var kind = XvaCompression.Detect(head.AsSpan(0, got)) ?? XvaCompressionKind.None;
            return XvaSource.Open(path, XvaCompression.Decompress(file, kind));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public IVmSource OpenStream(string name, Stream stream, SourceOptions options)
    {
        var (head, replayed) = PrefixedStream.Peek(stream, FileProbe.HeadSize);
        var kind = XvaCompression.Detect(head) ?? XvaCompressionKind.None;
        return XvaSource.Open(name, XvaCompression.Decompress(replayed, kind));
    }
}
