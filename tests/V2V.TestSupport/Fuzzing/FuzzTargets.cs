using System.Buffers.Binary;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using V2V.DiskFormats.Vhd;
using V2V.DiskFormats.Vhdx;

namespace V2V.TestSupport.Fuzzing;

/// <summary>
/// Every parser V2V has, as fuzz targets with seed corpora: small images made at test time by
/// qemu-img (an independent writer) and by V2V itself, and the real-product files of
/// ../shared/samples that are small enough to mutate quickly.
/// </summary>
public static class FuzzTargets
{
    private const long MiB = 1024 * 1024;

    /// <summary>
    /// Builds the targets' seeds in <paramref name="folder"/> (needs qemu-img and xxhsum). Images V2V
    /// writes are reused when the folder already has them: code instrumented for AFL must not run
    /// before the fuzzer starts, so the AFL harness makes them first with an uninstrumented build.
    /// </summary>
    public static IReadOnlyList<FuzzTarget> Create(string folder)
    {
        ExternalTool.Require("qemu-img");
        string raw = SparseImage.Create(Path.Combine(folder, "seed.raw"), 4 * MiB,
            [new DataRun(0, 4096, RunFill.Random), new DataRun(MiB + 512, 8192, RunFill.Repeated, 0xA5), new DataRun(3 * MiB, 65536, RunFill.Random)]);
        string Qemu(string name, string format, params string[] options)
        {
            string path = Path.Combine(folder, name);
            QemuImg.Convert(raw, "raw", path, format, options);
            return path;
        }

        string V2v(string name, params string[] options)
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                return path;
            }

            var result = CliRunner.Run(["convert", raw, path, "--no-sync", .. options]);
            Assert.That(result.ExitCode, Is.Zero, result.StdErr);
            return path;
        }

        static byte[] Read(string path) => File.ReadAllBytes(path);
        static byte[] Sample(string relative) => File.ReadAllBytes(RepositoryPaths.Sample(relative));

        byte[][] vhdx = [Read(Qemu("q.vhdx", "vhdx", "-o", "subformat=dynamic,block_size=1M")), Read(Qemu("qf.vhdx", "vhdx", "-o", "subformat=fixed,block_size=1M")), Read(V2v("v.vhdx", "--block-size", "1M"))];
        byte[][] vhd = [Read(Qemu("q.vhd", "vpc", "-o", "subformat=dynamic")), Read(Qemu("qf.vhd", "vpc", "-o", "subformat=fixed")), Read(V2v("v.vhd")), Sample("qemu-iotests/hyperv2012r2-dynamic.vhd"), Sample("qemu-iotests/virtualpc-dynamic.vhd")];
        byte[][] vmdk =
        [
            Read(Qemu("q.vmdk", "vmdk", "-o", "subformat=monolithicSparse")), Read(Qemu("qs.vmdk", "vmdk", "-o", "subformat=streamOptimized")),
            Read(V2v("v.vmdk")), Read(V2v("vm.vmdk", "--subformat", "monolithicSparse")),
            Sample("qemu-iotests/iotest-version3.vmdk"), Sample("qemu-iotests/afl9.vmdk"), Sample("reliability/stream-zeroed-marker.vmdk"),
        ];

        string twoGb = Qemu("split.vmdk", "vmdk", "-o", "subformat=twoGbMaxExtentSparse");
        string flat = Qemu("flat.vmdk", "vmdk", "-o", "subformat=monolithicFlat");

        // Packages: one small streamOptimized disk each.
        string small = SparseImage.Create(Path.Combine(folder, "small.raw"), 2 * MiB, [new DataRun(0, 4096, RunFill.Random), new DataRun(MiB, 4096, RunFill.Repeated, 7)]);
        var ova = new OvaBuilder(folder);
        ova.AddDisk("disk1", small, 2 * MiB);
        string ovf = ova.Ovf("fuzzvm");
        byte[] ovaDisk = Read(Path.Combine(folder, "disk1.vmdk"));
        var xen = new XvaBuilder(folder);
        xen.AddDisk(small, 2 * MiB, 0, "system");
        byte[] xva = Read(xen.Build(Path.Combine(folder, "x.xva")));

        var textSeeds = (string[] paths) => paths.Select(p => Sample(p)).ToArray();
        return
        [
            new("vhdx", "disk.vhdx", vhdx, FuzzVerb.Disk),
            new("vhdx-checksummed", "disk.vhdx", vhdx, FuzzVerb.Disk, Packer: FixVhdxChecksums),
            new("vhd", "disk.vhd", vhd, FuzzVerb.Disk),
            new("vhd-checksummed", "disk.vhd", vhd, FuzzVerb.Disk, Packer: FixVhdChecksums),
            new("vmdk-sparse", "disk.vmdk", vmdk, FuzzVerb.Disk),
            new("vmdk-descriptor-split", "split.vmdk", [Read(twoGb)], FuzzVerb.Disk, Text: true, Beside: Extents(twoGb)),
            new("vmdk-descriptor-flat", "flat.vmdk", [Read(flat)], FuzzVerb.Disk, Text: true, Beside: Extents(flat)),
            new("ovf", "vm.ovf", [Encoding.UTF8.GetBytes(ovf), .. textSeeds(["virt-v2v/test-i-ova.ovf", "govmomi/converter_winxp.ovf", "govmomi/sunVHW-DiskTypes.ovf"])],
                FuzzVerb.Vm, Text: true, Beside: new Dictionary<string, byte[]> { ["disk1.vmdk"] = ovaDisk }),
            new("ova-tar", "vm.ova", [Read(ova.Pack("fuzzvm", Path.Combine(folder, "vm.ova"))), Sample("realworld/ova-manifest-lists-itself.ova")], FuzzVerb.Vm),
            new("ova-ovf", "vm.ova", [Encoding.UTF8.GetBytes(ovf)], FuzzVerb.Vm, Text: true, Packer: text => Ova(text, ovaDisk)),
            new("xva-tar", "vm.xva", [xva], FuzzVerb.Vm),
            new("xva-ova-xml", "vm.xva", [TarMember(xva, "ova.xml")], FuzzVerb.Vm, Text: true, Packer: text => ReplaceTarMember(xva, "ova.xml", text)),
            new("vmx", "vm.vmx", [Encoding.UTF8.GetBytes(Vmx), .. textSeeds(["virt-v2v/test-i-vmx-1.vmx", "virt-v2v/test-i-vmx-3.vmx", "virt-v2v/test-i-vmx-6.vmx", "realworld/vmx-lowercase-keys/packer-vm.vmx", "realworld/vmx-windows-1252/Büro-PC.vmx"])],
                FuzzVerb.Vm, Text: true, Beside: new Dictionary<string, byte[]> { ["disk.vmdk"] = Read(Qemu("vmx-disk.vmdk", "vmdk", "-o", "subformat=monolithicSparse")) }),
            new("pipeline-yaml", "pipeline.yaml", [.. Pipelines.Select(Encoding.UTF8.GetBytes), .. textSeeds(["reliability/brace.yaml", "reliability/yaml-alias-key-bomb.yaml"])],
                [FuzzVerb.DryRun, FuzzVerb.Run], Text: true, Beside: new Dictionary<string, byte[]> { ["src.raw"] = Read(small) },
                VerbsFor: text => text.AsSpan().IndexOfAny((byte)'/', (byte)'\\') < 0 ? [FuzzVerb.DryRun, FuzzVerb.Run] : [FuzzVerb.DryRun]),
        ];
    }

    private const string Vmx = """
        .encoding = "UTF-8"
        config.version = "8"
        virtualHW.version = "14"
        displayName = "fuzz-vm"
        guestOS = "windows9srv-64"
        firmware = "efi"
        numvcpus = "2"
        memsize = "2048"
        scsi0.present = "TRUE"
        scsi0.virtualDev = "lsisas1068"
        scsi0:0.present = "TRUE"
        scsi0:0.fileName = "disk.vmdk"
        ethernet0.present = "TRUE"
        ethernet0.virtualDev = "vmxnet3"
        ethernet0.networkName = "VM Network"
        ethernet0.addressType = "static"
        ethernet0.address = "00:50:56:01:02:03"

        """;

    /// <summary>Pipelines reading src.raw beside them; outputs are plain names so a real run stays in the case folder.</summary>
    private static readonly string[] Pipelines =
    [
        """
        version: 1
        parallel: 2
        defaults: { verify: true, overwrite: false }
        jobs:
          - name: a
            source: { type: raw, path: src.raw }
            chain:
              - { format: vmdk, subformat: streamOptimized, path: a.vmdk }
              - { format: vhdx, subformat: dynamic, block-size: 1MiB, path: a.vhdx, keep: true }
          - name: b
            source: &src { type: auto, path: src.raw }
            verify: false
            chain:
              - format: vhd
                path: "{job}.vhd"
              - { format: raw, path: b.raw, keep: false }
            hyperv: { generation: 2, memory: 1GiB, switch-map: { LAN: External }, static-mac: true }

        """,
        """
        version: 1
        jobs:
          - name: one
            source: { type: physical, path: src.raw }
            chain: [ { format: vhdx, subformat: fixed, sector-size: 4096, path: one.vhdx } ]

        """,
    ];

    private static Dictionary<string, byte[]> Extents(string descriptor)
    {
        string folder = Path.GetDirectoryName(descriptor)!;
        string stem = Path.GetFileNameWithoutExtension(descriptor);
        return Directory.GetFiles(folder, stem + "-*").ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
    }

    /// <summary>Recomputes the CRC-32C of both VHDX headers and region tables (MS-VHDX 2.2.2, 2.2.3), so mutations reach what they guard.</summary>
    public static byte[] FixVhdxChecksums(byte[] image)
    {
        var data = (byte[])image.Clone();
        foreach (var (offset, length) in new[] { (64 * 1024, 4096), (128 * 1024, 4096), (192 * 1024, 65536), (256 * 1024, 65536) })
        {
            if (data.Length >= offset + length)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(offset + 4), Crc32C.ComputeWithZeroedField(data.AsSpan(offset, length), 4));
            }
        }

        return data;
    }

    /// <summary>Recomputes the VHD footer (copy and end) and dynamic header checksums (VHD spec: ones' complement of the byte sum).</summary>
    public static byte[] FixVhdChecksums(byte[] image)
    {
        var data = (byte[])image.Clone();
        void Fix(long offset, int length, int field)
        {
            if (offset >= 0 && offset + length <= data.Length)
            {
                BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan((int)offset + field), VhdFooter.Checksum(data.AsSpan((int)offset, length), field));
            }
        }

        Fix(0, 512, 64);
        Fix(data.Length - 512, 512, 64);
        if (data.Length >= 512 + 16)
        {
            Fix((long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(16)), int.MaxValue), 1024, 36);
        }

        return data;
    }

    /// <summary>An OVA (ustar) of the OVF text, a SHA256 manifest that matches it and the disk.</summary>
    public static byte[] Ova(byte[] ovf, byte[] disk)
    {
        string manifest = $"SHA256(vm.ovf)= {Convert.ToHexStringLower(SHA256.HashData(ovf))}\nSHA256(disk1.vmdk)= {Convert.ToHexStringLower(SHA256.HashData(disk))}\n";
        return Tar([("vm.ovf", ovf), ("vm.mf", Encoding.ASCII.GetBytes(manifest)), ("disk1.vmdk", disk)], TarEntryFormat.Ustar);
    }

    public static byte[] TarMember(byte[] tar, string name)
    {
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.Name == name && entry.DataStream is { } stream)
            {
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray();
            }
        }

        throw new InvalidOperationException($"{name} is not in the tar");
    }

    public static byte[] ReplaceTarMember(byte[] tar, string name, byte[] content)
    {
        var members = new List<(string, byte[])>();
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry() is { } entry)
        {
            using var copy = new MemoryStream();
            entry.DataStream?.CopyTo(copy);
            members.Add((entry.Name, entry.Name == name ? content : copy.ToArray()));
        }

        return Tar(members, TarEntryFormat.V7);
    }

    private static byte[] Tar(IEnumerable<(string Name, byte[] Content)> members, TarEntryFormat format)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, format, leaveOpen: true))
        {
            foreach (var (name, content) in members)
            {
                TarEntry entry = format == TarEntryFormat.Ustar ? new UstarTarEntry(TarEntryType.RegularFile, name) : new V7TarEntry(TarEntryType.V7RegularFile, name);
                entry.DataStream = new MemoryStream(content);
                writer.WriteEntry(entry);
            }
        }

        return output.ToArray();
    }
}
