using System.Formats.Tar;
using System.Globalization;
using System.Text;

namespace V2V.TestSupport;

/// <summary>
/// Builds XVA exports the way xapi's stream_vdi writes them: ova.xml (XML-RPC), then each disk's
/// 1 MiB chunks as Ref:N/%08d, all-zero chunks omitted except the first and last, each followed by
/// its checksum member — computed by Debian's xxhsum or sha1sum, not by V2V's own code.
/// </summary>
public sealed class XvaBuilder(string folder)
{
    private const int Chunk = 1024 * 1024;

    public sealed record Disk(string Ref, string Raw, long Capacity, int UserDevice, string Label);

    public List<Disk> Disks { get; } = [];

    public string VmName { get; set; } = "xen01";

    public string Firmware { get; set; } = "bios";

    public Disk AddDisk(string raw, long capacity, int userDevice, string label)
    {
        var disk = new Disk($"Ref:{10 + Disks.Count}", raw, capacity, userDevice, label);
        Disks.Add(disk);
        return disk;
    }

    /// <summary>Writes the XVA. <paramref name="checksum"/> is "xxhash" or "checksum" (SHA-1).</summary>
    public string Build(string xva, string checksum = "xxhash", bool interleave = false, int keepAliveEvery = 0, Func<string, byte[], byte[]>? tamper = null)
    {
        string staging = Path.Combine(folder, "xva-staging-" + Path.GetFileNameWithoutExtension(xva));
        Directory.CreateDirectory(staging);
        var perDisk = Disks.Select(d => Members(d, staging, keepAliveEvery)).ToList();
        var order = interleave ? Interleave(perDisk) : perDisk.SelectMany(m => m).ToList();
        var sums = Checksums(staging, order.Select(m => m.File).ToList(), checksum);

        using var stream = File.Create(xva);
        using var tar = new TarWriter(stream, TarEntryFormat.V7);
        tar.WriteEntry(new V7TarEntry(TarEntryType.V7RegularFile, "ova.xml") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(OvaXml())) });
        foreach (var (name, file) in order)
        {
            byte[] content = File.ReadAllBytes(file);
            tar.WriteEntry(new V7TarEntry(TarEntryType.V7RegularFile, name) { DataStream = new MemoryStream(tamper?.Invoke(name, content) ?? content) });
            tar.WriteEntry(new V7TarEntry(TarEntryType.V7RegularFile, $"{name}.{checksum}") { DataStream = new MemoryStream(Encoding.ASCII.GetBytes(sums[file])) });
        }

        return xva;
    }

    private static List<(string Name, string File)> Members(Disk disk, string staging, int keepAliveEvery)
    {
        var members = new List<(string Name, string File)>();
        using var raw = File.OpenRead(disk.Raw);
        long chunks = (disk.Capacity + Chunk - 1) / Chunk;
        int number = 0;
        var buffer = new byte[Chunk];
        for (long i = 0; i < chunks; i++)
        {
            int length = (int)Math.Min(Chunk, disk.Capacity - i * Chunk);
            raw.Position = i * Chunk;
            raw.ReadExactly(buffer.AsSpan(0, length));
            bool zero = !buffer.AsSpan(0, length).ContainsAnyExcept((byte)0);
            if (keepAliveEvery > 0 && i > 0 && i < chunks - 1 && i % keepAliveEvery == 0)
            {
                string alive = Path.Combine(staging, $"{disk.Ref.Replace(':', '_')}-{number:D8}-keepalive");
                File.WriteAllBytes(alive, []);
                members.Add(($"{disk.Ref}/{number++:D8}", alive));
            }

            if (zero && i != 0 && i != chunks - 1)
            {
                number++; // omitted: the importer's gap stands for it
                continue;
            }

            string file = Path.Combine(staging, $"{disk.Ref.Replace(':', '_')}-{number:D8}");
            File.WriteAllBytes(file, buffer.AsSpan(0, length).ToArray());
            members.Add(($"{disk.Ref}/{number++:D8}", file));
        }

        return members;
    }

    private static List<(string Name, string File)> Interleave(List<List<(string Name, string File)>> perDisk)
    {
        var result = new List<(string Name, string File)>();
        for (int i = 0; perDisk.Any(m => i < m.Count); i++)
        {
            result.AddRange(perDisk.Where(m => i < m.Count).Select(m => m[i]));
        }

        return result;
    }

    private static Dictionary<string, string> Checksums(string staging, List<string> files, string kind)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var batch in files.Chunk(200))
        {
            string[] arguments = kind == "xxhash" ? ["-H1", .. batch] : [.. batch];
            string output = ExternalTool.Ok(kind == "xxhash" ? "xxhsum" : "sha1sum", arguments);
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split("  ", 2);
                result[parts[1].Trim()] = kind == "xxhash" ? parts[0].ToUpperInvariant() : parts[0];
            }
        }

        return result;
    }

    private string OvaXml()
    {
        static string Member(string name, string value) => $"<member><name>{name}</name><value>{value}</value></member>";
        static string Struct(params string[] members) => $"<struct>{string.Concat(members)}</struct>";
        static string Obj(string cls, string id, string snapshot) => $"<value>{Struct(Member("class", cls), Member("id", id), Member("snapshot", snapshot))}</value>";
        static string RefList(IEnumerable<string> refs) => $"<array><data>{string.Concat(refs.Select(r => $"<value>{r}</value>"))}</data></array>";

        var objects = new StringBuilder();
        var vbds = Disks.Select((d, i) => $"Ref:{100 + i}").ToList();
        objects.Append(Obj("VM", "Ref:1", Struct(
            Member("uuid", "5e0c3b1a-0000-4000-8000-00000000a001"),
            Member("name_label", VmName),
            Member("is_a_template", "<boolean>0</boolean>"),
            Member("is_a_snapshot", "<boolean>0</boolean>"),
            Member("VCPUs_max", "4"),
            Member("VCPUs_at_startup", "4"),
            Member("memory_static_max", (6L << 30).ToString(CultureInfo.InvariantCulture)),
            Member("HVM_boot_policy", "BIOS order"),
            Member("HVM_boot_params", Struct(Member("order", "cd"), Member("firmware", Firmware))),
            Member("VBDs", RefList([.. vbds, "Ref:199"])),
            Member("VIFs", RefList(["Ref:200"])),
            Member("other_config", Struct(Member("base_template_name", "Windows Server 2003"))))));
        for (int i = 0; i < Disks.Count; i++)
        {
            var d = Disks[i];
            objects.Append(Obj("VBD", vbds[i], Struct(Member("VM", "Ref:1"), Member("VDI", d.Ref), Member("userdevice", d.UserDevice.ToString(CultureInfo.InvariantCulture)),
                Member("bootable", d.UserDevice == 0 ? "<boolean>1</boolean>" : "<boolean>0</boolean>"), Member("type", "Disk"), Member("mode", "RW"))));
            objects.Append(Obj("VDI", d.Ref, Struct(Member("name_label", d.Label), Member("virtual_size", d.Capacity.ToString(CultureInfo.InvariantCulture)), Member("type", "system"))));
        }

        objects.Append(Obj("VBD", "Ref:199", Struct(Member("VM", "Ref:1"), Member("VDI", "OpaqueRef:NULL"), Member("userdevice", "3"), Member("type", "CD"), Member("empty", "<boolean>1</boolean>"))));
        objects.Append(Obj("VIF", "Ref:200", Struct(Member("device", "0"), Member("MAC", "96:4B:0A:12:34:56"), Member("network", "Ref:300"), Member("VM", "Ref:1"))));
        objects.Append(Obj("network", "Ref:300", Struct(Member("name_label", "Pool-wide network associated with eth0"), Member("bridge", "xenbr0"))));
        return $"<value>{Struct(Member("version", Struct(Member("export_vsn", "2"), Member("product_brand", "XCP-ng"))), Member("objects", $"<array><data>{objects}</data></array>"))}</value>";
    }
}
