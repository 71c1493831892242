using V2V.Adapters.XenServer.Xva;
using V2V.Core.Formats;
using V2V.Core.Vm;

namespace V2V.Adapters.XenServer;

/// <summary>XVA exports: a tar whose first member is ova.xml, plain or compressed whole with gzip or zstd.</summary>
public sealed class XvaFormat : IStreamableVmSourceFormat
{
    public string Name => "xva";
    public IReadOnlyList<string> Extensions { get; } = ["xva"];

    /// <summary>
    /// zstd decodes whole blocks of up to 128 KiB, which a 64 KiB probe may cut: a file whose head
    /// is zstd but too short to tell is looked at again with its first <see cref="DeepProbe"/> bytes.
    /// </summary>
    public bool Detect(FileProbe probe)
    {
        if (XvaCompression.Detect(probe.Head.Span) is not null)
        {
            return true;
        }

        if (!probe.HeadStartsWith([0x28, 0xb5, 0x2f, 0xfd]))
        {
            return false;
        }

        if (probe.Length <= probe.Head.Length || !File.Exists(probe.Path))
        {
            return false;
        }

        using var file = File.OpenRead(probe.Path);
        var head = new byte[DeepProbe];
        int got = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return XvaCompression.Detect(head.AsSpan(0, got)) is not null;
    }

    private const int DeepProbe = 1024 * 1024;

    public IVmSource Open(string path, SourceOptions options, FormatRegistry disks)
    {
        var file = File.OpenRead(path);
        try
        {
            var head = new byte[DeepProbe];
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
        var (head, replayed) = PrefixedStream.Peek(stream, DeepProbe);
        var kind = XvaCompression.Detect(head) ?? XvaCompressionKind.None;
        return XvaSource.Open(name, XvaCompression.Decompress(replayed, kind));
    }
}
