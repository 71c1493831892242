using V2V.Adapters.VMware.Ovf;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Pipeline;
using V2V.DiskFormats.Raw;
using V2V.DiskFormats.Vhd;
using V2V.DiskFormats.Vhdx;
using V2V.DiskFormats.Vmdk;

namespace V2V.Adapters.VMware.Ova;

/// <summary>
/// The producer of a disk member read as the package streams past (an OVA on standard input, or a
/// compressed or chunked member of an OVA file), chosen by the member's first bytes. Formats that
/// read front to back stream: streamOptimized VMDK, raw, and fixed VHD (raw data, then the 512-byte
/// footer at the end: VHD spec "Hard Disk Footer Format"). Formats that need random access
/// (dynamic and differencing VHD, VHDX, other VMDK variants) are refused with the advice to pass
/// the file; foreign containers are refused by what they are.
/// </summary>
internal static class StreamedMemberDisk
{
    private const int FooterSize = VhdFooter.Size;

    /// <summary>The advice for a member on standard input that needs random access.</summary>
    public const string PassTheFile = "pass the OVA as a file (not on standard input): V2V then reads VHD, VHDX, raw and sparse VMDK members in place";

    /// <summary>
    /// Reads the head of <paramref name="content"/> (the member as the disk reader sees it, inflated)
    /// and returns its producer. <paramref name="contentLength"/> is the member's size when the tar
    /// header gives it (a plain member), null when only the OVF can (gzip, chunks): then the disk's
    /// OVF capacity is taken, and the stream must end exactly there.
    /// </summary>
    /// <param name="advice">What to do about a member that needs random access (standard input: pass the file).</param>
    public static IChunkProducer Start(Stream content, string name, OvfDiskTarget target, long? contentLength, string advice = PassTheFile)
    {
        var (head, stream) = PrefixedStream.Peek(content, FileProbe.HeadSize);
        if (SparseExtentHeader.HasMagic(head))
        {
            try
            {
                return StreamOptimizedProducer.Start(stream, name);
            }
            catch (UnsupportedFormatException e)
            {
                throw NeedsFile(name, e.Message[(e.File.Length + 2)..], advice);
            }
        }

        var probe = FileProbe.FromBytes(name, head);
        if (ForeignSignature.Find(probe) is { } foreign)
        {
            throw ForeignSignature.Refusal(name, foreign);
        }

        if (VhdxFileIdentifier.HasSignature(head))
        {
            throw NeedsFile(name, "is a VHDX, which is read by random access", advice);
        }

        if (VhdFooter.HasCookie(head))
        {
            throw NeedsFile(name, "is a dynamic or differencing VHD, which is read by random access", advice);
        }

        if (new VmdkImageFormat().Detect(probe))
        {
            throw NeedsFile(name, "is a VMDK other than streamOptimized, which is read by random access", advice);
        }

        // No signature at the start: raw data, or a fixed VHD whose footer is yet to come. The name,
        // the OVF's format or a size of exactly capacity + footer says which.
        long capacity = target.Disk.Capacity;
        bool vhd = target.File.Href.EndsWith(".vhd", StringComparison.OrdinalIgnoreCase)
            || (target.Disk.Format?.Contains("vhd", StringComparison.OrdinalIgnoreCase) ?? false)
            || contentLength == capacity + FooterSize;
        long data = (contentLength ?? capacity + (vhd ? FooterSize : 0)) - (vhd ? FooterSize : 0);
        if (data <= 0)
        {
            throw new InvalidImageException(name, $"a {(vhd ? "fixed VHD" : "raw disk")} of {data + (vhd ? FooterSize : 0)} bytes holds no disk data");
        }

        return vhd
            ? new RawStreamProducer(stream, name, data, FooterSize, tail => CheckFixedFooter(name, tail, data))
            : new RawStreamProducer(stream, name, data, 0, tail => CheckNoFooter(name, tail, advice));
    }

    private static UnsupportedFormatException NeedsFile(string name, string what, string advice) => new(name, $"{what}; {advice}");

    /// <summary>The footer that ends a fixed VHD must be valid, say fixed, and give the size of the data before it.</summary>
    private static void CheckFixedFooter(string name, ReadOnlySpan<byte> tail, long data)
    {
        string? problem = "shorter than a footer";
        var footer = (tail.Length < FooterSize ? null : VhdFooter.TryRead(tail, out problem))
            ?? throw new InvalidImageException(name, $"taken for a fixed VHD, but its last 512 bytes are no VHD footer ({problem})");
        if (footer.DiskType != VhdDiskType.Fixed)
        {
            throw new InvalidImageException(name, $"the footer at its end says disk type {(uint)footer.DiskType}; a VHD with no header at its start must be fixed (2)");
        }

        if (footer.VirtualSize != data)
        {
            throw new InvalidImageException(name, $"the fixed VHD footer gives a virtual size of {footer.VirtualSize} bytes, but the member holds {data} bytes of data");
        }
    }

    /// <summary>Raw data that ends in a fixed VHD footer was a VHD named as something else: its size would be 512 bytes off.</summary>
    private static void CheckNoFooter(string name, ReadOnlySpan<byte> tail, string advice)
    {
        if (tail.Length == FooterSize && VhdFooter.TryRead(tail, out _) is { DiskType: VhdDiskType.Fixed })
        {
            throw NeedsFile(name, "ends with a fixed VHD footer though neither its name, its OVF format nor its size says VHD", advice);
        }
    }
}
