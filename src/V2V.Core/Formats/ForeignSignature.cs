namespace V2V.Core.Formats;

/// <summary>
/// Signatures of containers and compressors V2V does not read as disks. A file that carries one is
/// refused by name, whatever it is called, instead of being taken for a raw disk of container bytes.
/// Magic values: qcow2 and QED (qemu docs/interop), VDI (VirtualBox header at 0x40), Parallels
/// (first 16 bytes), gzip (RFC 1952), zstd (RFC 8878), xz, bzip2, zip (APPNOTE 4.3.7), 7z,
/// POSIX tar ("ustar" at 257), ISO 9660 (volume descriptor "CD001" at sector 16 of 2 KiB).
/// </summary>
public static class ForeignSignature
{
    private static readonly (string What, string Advice, Func<FileProbe, bool> Matches)[] Known =
    [
        ("a qcow2 image", "not supported yet; convert it to raw or VMDK with qemu-img convert first", p => p.HeadStartsWith([(byte)'Q', (byte)'F', (byte)'I', 0xfb])),
        ("a QED image", "not supported yet; convert it to raw or VMDK with qemu-img convert first", p => p.HeadStartsWith("QED\0"u8)),
        ("a VirtualBox VDI image", "not supported yet; convert it with VBoxManage clonemedium --format VMDK (or qemu-img convert) first", p => p.HeadStartsWith([0x7f, 0x10, 0xda, 0xbe], 0x40)),
        ("a Parallels image", "not supported yet; convert it to raw or VMDK with qemu-img convert first", p => p.HeadStartsWith("WithoutFreeSpace"u8) || p.HeadStartsWith("WithouFreSpacExt"u8)),
        ("gzip-compressed", "decompress it first (gunzip -k), then convert the image inside", p => p.HeadStartsWith([0x1f, 0x8b])),
        ("zstd-compressed", "decompress it first (zstd -d), then convert the image inside", p => p.HeadStartsWith([0x28, 0xb5, 0x2f, 0xfd])),
        ("xz-compressed", "decompress it first (xz -dk), then convert the image inside", p => p.HeadStartsWith([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])),
        ("bzip2-compressed", "decompress it first (bunzip2 -k), then convert the image inside", p => p.HeadStartsWith("BZh"u8) && p.Head.Length > 3 && p.Head.Span[3] is >= (byte)'1' and <= (byte)'9'),
        ("a zip archive", "unpack it first, then convert the image inside", p => p.HeadStartsWith("PK\x03\x04"u8) || p.HeadStartsWith("PK\x05\x06"u8)),
        ("a 7z archive", "unpack it first, then convert the image inside", p => p.HeadStartsWith([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])),
        ("a tar archive that is neither an OVA (.ovf first) nor an XVA (ova.xml first)", "unpack it first, then convert the image or package inside", p => p.HeadStartsWith("ustar"u8, 257)),
        ("an ISO 9660 CD/DVD image", "it is not a hard disk: attach it to the new VM as a DVD drive instead", p => p.HeadStartsWith("CD001"u8, 0x8001)),
    ];

    /// <summary>What the probe's file is and what to do about it, or null when it carries no signature known here.</summary>
    public static (string What, string Advice)? Find(FileProbe probe)
    {
        foreach (var (what, advice, matches) in Known)
        {
            if (matches(probe))
            {
                return (what, advice);
            }
        }

        return null;
    }

    /// <summary>The one-line refusal: "PATH: is a qcow2 image: not supported yet; ...".</summary>
    public static Errors.UnsupportedFormatException Refusal(string path, (string What, string Advice) found) =>
        new(path, $"is {found.What}: {found.Advice}");
}
