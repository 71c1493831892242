using System.Formats.Tar;
using System.Text;
using V2V.Core.Errors;
using V2V.Core.Formats;

namespace V2V.Core.Tests.Formats;

/// <summary>
/// The detection rules as a table: which signature (at which offset, in the head or the tail), which
/// name, which first tar member, leads to which format, or to which refusal. Probes are built from
/// bytes, the way a stream's peeked head is, so each row tests the rule and nothing else.
/// </summary>
public class FormatDetectionTests
{
    private static readonly FormatRegistry Registry = V2V.Cli.FormatCatalog.Create();

    /// <summary>64 KiB of filler with <paramref name="magic"/> at <paramref name="offset"/>.</summary>
    private static byte[] With(ReadOnlySpan<byte> magic, int offset = 0, int length = 64 * 1024, byte filler = 0x5A)
    {
        var bytes = Enumerable.Repeat(filler, length).ToArray();
        magic.CopyTo(bytes.AsSpan(offset));
        return bytes;
    }

    /// <summary>A tar archive whose first member is <paramref name="first"/>.</summary>
    private static byte[] Tar(string first)
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Ustar, leaveOpen: true))
        {
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, first) { DataStream = new MemoryStream(Encoding.ASCII.GetBytes("<x/>")) });
        }

        buffer.SetLength(64 * 1024);
        return buffer.ToArray();
    }

    private static byte[] Gzip(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return buffer.ToArray();
    }

    public static IEnumerable<TestCaseData> DiskRows()
    {
        yield return new TestCaseData("disk.bin", With("vhdxfile"u8)).Returns("vhdx").SetName("vhdxfile at 0 is VHDX");
        yield return new TestCaseData("disk.bin", With("KDMV"u8)).Returns("vmdk").SetName("KDMV at 0 is a hosted sparse VMDK");
        yield return new TestCaseData("disk.bin", With("COWD"u8)).Returns("vmdk").SetName("COWD at 0 is an ESX sparse VMDK");
        yield return new TestCaseData("disk.bin", With([0xbe, 0xba, 0xfe, 0xca, 0, 0, 0, 0])).Returns("vmdk").SetName("0xcafebabe at 0 is a seSparse VMDK");
        yield return new TestCaseData("disk.bin", Encoding.ASCII.GetBytes("# Disk DescriptorFile\nversion=1\n")).Returns("vmdk").SetName("a descriptor's first line is VMDK");
        yield return new TestCaseData("disk.bin", Encoding.ASCII.GetBytes("version=1\ncreateType=\"vmfs\"\n")).Returns("vmdk").SetName("text with createType and version is a VMDK descriptor");
        yield return new TestCaseData("disk.bin", With("conectix"u8, offset: 64 * 1024 - 512)).Returns("vhd").SetName("conectix 512 bytes from the end is a VHD footer");
        yield return new TestCaseData("disk.bin", With("conectix"u8, offset: 64 * 1024 - 511)).Returns("vhd").SetName("conectix 511 bytes from the end is an old 511-byte VHD footer");
        yield return new TestCaseData("disk.bin", With("conectix"u8)).Returns("vhd").SetName("conectix at 0 is a dynamic VHD's footer copy");
        yield return new TestCaseData("disk.img", With([], filler: 0)).Returns("raw").SetName("zeros with no claiming name are raw");
        yield return new TestCaseData("disk.raw", With("vhdxfil"u8, offset: 1)).Returns("raw").SetName("a signature off its offset is not one");
        yield return new TestCaseData("disk.bin", With("BZhx"u8)).Returns("raw").SetName("BZh not followed by a block size digit is not bzip2");
    }

    [TestCaseSource(nameof(DiskRows))]
    public string Disk_signatures_choose_the_format(string name, byte[] bytes) => Registry.Detect(FileProbe.FromBytes(name, bytes)).Name;

    public static IEnumerable<TestCaseData> RefusedRows()
    {
        yield return new TestCaseData("x.img", With([(byte)'Q', (byte)'F', (byte)'I', 0xfb]), "is a qcow2 image").SetName("QFI\\xfb is qcow2, refused");
        yield return new TestCaseData("x.img", With("QED\0"u8), "is a QED image").SetName("QED\\0 is QED, refused");
        yield return new TestCaseData("x.img", With([0x7f, 0x10, 0xda, 0xbe], offset: 0x40), "is a VirtualBox VDI image").SetName("VDI magic at 0x40 is VDI, refused");
        yield return new TestCaseData("x.img", With("WithoutFreeSpace"u8), "is a Parallels image").SetName("WithoutFreeSpace is Parallels, refused");
        yield return new TestCaseData("x.img", With([0x1f, 0x8b]), "is gzip-compressed").SetName("1f 8b is gzip, refused");
        yield return new TestCaseData("x.img", With([0x28, 0xb5, 0x2f, 0xfd]), "is zstd-compressed").SetName("28 b5 2f fd is zstd, refused");
        yield return new TestCaseData("x.img", With([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), "is xz-compressed").SetName("fd 7zXZ 00 is xz, refused");
        yield return new TestCaseData("x.img", With("BZh9"u8), "is bzip2-compressed").SetName("BZh9 is bzip2, refused");
        yield return new TestCaseData("x.img", With("PK\x03\x04"u8), "is a zip archive").SetName("PK 03 04 is zip, refused");
        yield return new TestCaseData("x.img", With([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]), "is a 7z archive").SetName("7z magic is 7z, refused");
        yield return new TestCaseData("x.img", Tar("readme.txt"), "is a tar archive that is neither an OVA").SetName("ustar at 257 with another first member is a plain tar, refused");
        yield return new TestCaseData("x.img", With("CD001"u8, offset: 0x8001), "is an ISO 9660 CD/DVD image").SetName("CD001 at 0x8001 is ISO 9660, refused");
        yield return new TestCaseData("x.vhdx", With([], filler: 0), "named like a vhdx file but has no vhdx signature").SetName(".vhdx without a signature is damage, not raw");
        yield return new TestCaseData("x.VMDK", With([], filler: 0), "named like a vmdk file but has no vmdk signature").SetName("extensions claim formats whatever their case");
        yield return new TestCaseData("x.avhd", With([], filler: 0), "named like a vhd file but has no vhd signature").SetName(".avhd claims VHD");
        yield return new TestCaseData("x.ova", With([], filler: 0), "named like a ova file but has no ova signature").SetName("a package extension claims its package format");
        yield return new TestCaseData("vm.ova", Tar("vm.ovf"), "is a VM package (OVA), not a disk image").SetName("an OVA where a disk is read is named as an OVA, not a tar that is not one");
        yield return new TestCaseData("vm.xva", Gzip(Tar("ova.xml")), "is a VM package (XVA), not a disk image").SetName("a compressed XVA where a disk is read is named as an XVA");
        yield return new TestCaseData("vm.vmx", Encoding.ASCII.GetBytes("config.version = \"8\"\nvirtualHW.version = \"14\"\n"), "is a VM package (VMX), not a disk image")
            .SetName("a VMX where a disk is read is named as a VMX, not as a damaged one");
    }

    [TestCaseSource(nameof(RefusedRows))]
    public void Foreign_signatures_and_claiming_names_are_refused_by_what_they_are(string name, byte[] bytes, string reason)
    {
        var error = Assert.Catch<V2VException>(() => Registry.Detect(FileProbe.FromBytes(name, bytes)))!;

        Assert.That(error.ExitCode, Is.EqualTo(2));
        Assert.That(error.Message, Does.StartWith($"{name}: ").And.Contain(reason));
    }

    public static IEnumerable<TestCaseData> PackageRows()
    {
        yield return new TestCaseData("p", Tar("vm.ovf")).Returns("ova").SetName("a tar whose first member is .ovf is an OVA");
        yield return new TestCaseData("p", Tar("VM.OVF")).Returns("ova").SetName("the .ovf member's extension is matched whatever its case");
        yield return new TestCaseData("p", Tar("ova.xml")).Returns("xva").SetName("a tar whose first member is ova.xml is an XVA");
        yield return new TestCaseData("p", Encoding.ASCII.GetBytes("<?xml version=\"1.0\"?>\n<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\">")).Returns("ovf").SetName("an Envelope element is an OVF");
        yield return new TestCaseData("p", Encoding.ASCII.GetBytes("<ovf:Envelope xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\">")).Returns("ovf").SetName("a prefixed Envelope element is an OVF");
        yield return new TestCaseData("p", Encoding.ASCII.GetBytes(".encoding = \"UTF-8\"\nconfig.version = \"8\"\nvirtualHW.version = \"14\"\n")).Returns("vmx").SetName("key = \"value\" lines with virtualHW.version are a VMX");
        yield return new TestCaseData("p", Gzip(Tar("ova.xml"))).Returns("xva").SetName("gzip holding a tar whose first member is ova.xml is a compressed XVA");
        yield return new TestCaseData("p", Gzip(Tar("readme.txt"))).Returns(null).SetName("gzip holding another tar is no package");
        yield return new TestCaseData("p", Tar("readme.txt")).Returns(null).SetName("another tar is no package");
        yield return new TestCaseData("p", With("vhdxfile"u8)).Returns(null).SetName("a disk image is no package");
    }

    [TestCaseSource(nameof(PackageRows))]
    public string? Package_signatures_choose_the_package_format(string name, byte[] bytes) => Registry.DetectVmSource(FileProbe.FromBytes(name, bytes))?.Name;

    [TestCase(new byte[] { 0x1f, 0x8b, 8, 0 }, "is gzip-compressed")]
    [TestCase(new byte[] { 0x51, 0x46, 0x49, 0xfb }, "is a qcow2 image")]
    [TestCase(new byte[] { 0, 0, 0, 0 }, "holds no OVA or XVA")]
    public void A_stream_that_holds_no_package_is_refused_by_its_prefix(byte[] prefix, string reason)
    {
        var bytes = With(prefix, filler: 0);

        var error = Assert.Catch<V2VException>(() => Registry.OpenVmStream("stdin", new MemoryStream(bytes), SourceOptions.Default))!;

        Assert.That(error.Message, Does.StartWith("stdin: ").And.Contain(reason));
    }
}
