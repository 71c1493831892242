using System.Globalization;
using System.Security.Cryptography;

namespace V2V.TestSupport;

/// <summary>
/// Builds OVA packages the way ovftool lays them out (OVF first, then the manifest, then the disks),
/// with GNU tar, qemu-img-made streamOptimized disks and coreutils-style manifests.
/// </summary>
public sealed class OvaBuilder(string folder)
{
    private const long MiB = 1024 * 1024;

    public sealed record Disk(string File, string Raw, long Capacity, bool Gzip, long? ChunkSize);

    public List<Disk> Disks { get; } = [];

    public OvaBuilder(TempFolder folder)
        : this(folder.Path)
    {
    }

    /// <summary>A raw disk with seeded data, turned into a streamOptimized VMDK by qemu-img.</summary>
    public Disk AddDisk(string name, long capacity, int seed, bool gzip = false, long? chunkSize = null) =>
        AddDisk(name, SparseImage.Create(Path.Combine(folder, name + ".raw"), capacity, [.. SparseImage.Scattered(capacity, 0.15, 65536, seed), new DataRun(0, 4096, RunFill.Random)], seed), capacity, gzip, chunkSize);

    /// <summary>An existing raw disk turned into a streamOptimized VMDK by qemu-img.</summary>
    public Disk AddDisk(string name, string raw, long capacity, bool gzip = false, long? chunkSize = null)
    {
        string vmdk = Path.Combine(folder, name + ".vmdk");
        QemuImg.Convert(raw, "raw", vmdk, "vmdk", "-o", "subformat=streamOptimized");
        var disk = new Disk(name + ".vmdk", raw, capacity, gzip, chunkSize);
        Disks.Add(disk);
        return disk;
    }

    public string Ovf(string vmName)
    {
        var files = string.Concat(Disks.Select((d, i) =>
            $"    <File ovf:href=\"{d.File}\" ovf:id=\"file{i + 1}\" ovf:size=\"{new FileInfo(Path.Combine(folder, d.File)).Length}\"{(d.Gzip ? " ovf:compression=\"gzip\"" : "")}{(d.ChunkSize is { } c ? $" ovf:chunkSize=\"{c}\"" : "")} />\n"));
        var disks = string.Concat(Disks.Select((d, i) =>
            $"    <Disk ovf:capacity=\"{d.Capacity / MiB}\" ovf:capacityAllocationUnits=\"byte * 2^20\" ovf:diskId=\"vmdisk{i + 1}\" ovf:fileRef=\"file{i + 1}\" ovf:format=\"http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized\" />\n"));
        var items = string.Concat(Disks.Select((d, i) => $"""
                  <Item>
                    <rasd:AddressOnParent>{i}</rasd:AddressOnParent>
                    <rasd:ElementName>Hard Disk {i + 1}</rasd:ElementName>
                    <rasd:HostResource>ovf:/disk/vmdisk{i + 1}</rasd:HostResource>
                    <rasd:InstanceID>{10 + i}</rasd:InstanceID>
                    <rasd:Parent>3</rasd:Parent>
                    <rasd:ResourceType>17</rasd:ResourceType>
                  </Item>

            """));
        return $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vmw="http://www.vmware.com/schema/ovf">
              <References>
            {files}  </References>
              <DiskSection>
                <Info>Virtual disk information</Info>
            {disks}  </DiskSection>
              <NetworkSection><Info>Networks</Info><Network ovf:name="LAN"><Description>LAN</Description></Network></NetworkSection>
              <VirtualSystem ovf:id="{vmName}">
                <Info>A virtual machine</Info>
                <Name>{vmName}</Name>
                <OperatingSystemSection ovf:id="112" vmw:osType="windows9Server64Guest"><Info>OS</Info></OperatingSystemSection>
                <VirtualHardwareSection>
                  <Info>Virtual hardware requirements</Info>
                  <Item><rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits><rasd:ElementName>2 virtual CPU(s)</rasd:ElementName><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>2</rasd:VirtualQuantity></Item>
                  <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ElementName>4096MB of memory</rasd:ElementName><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>4096</rasd:VirtualQuantity></Item>
                  <Item><rasd:Address>0</rasd:Address><rasd:ElementName>SCSI Controller 0</rasd:ElementName><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceSubType>lsilogicsas</rasd:ResourceSubType><rasd:ResourceType>6</rasd:ResourceType></Item>
                  <Item><rasd:AddressOnParent>7</rasd:AddressOnParent><rasd:Connection>LAN</rasd:Connection><rasd:ElementName>Ethernet 1</rasd:ElementName><rasd:InstanceID>20</rasd:InstanceID><rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
            {items}      <vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="efi" />
                </VirtualHardwareSection>
              </VirtualSystem>
            </Envelope>

            """;
    }

    /// <summary>Writes the package files into <paramref name="into"/> (gzip and chunking applied) and returns their names in OVA order.</summary>
    public List<string> Stage(string vmName, string into, string algorithm = "SHA256", Func<string, string, string>? tamper = null)
    {
        Directory.CreateDirectory(into);
        var members = new List<string> { vmName + ".ovf" };
        File.WriteAllText(Path.Combine(into, vmName + ".ovf"), Ovf(vmName));
        foreach (var disk in Disks)
        {
            byte[] content = File.ReadAllBytes(Path.Combine(folder, disk.File));
            if (disk.Gzip)
            {
                using var compressed = new MemoryStream();
                using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
                {
                    gzip.Write(content);
                }

                content = compressed.ToArray();
            }

            if (disk.ChunkSize is { } size)
            {
                for (int i = 0; i * size < content.Length; i++)
                {
                    string piece = disk.File + "." + i.ToString("D9", CultureInfo.InvariantCulture);
                    File.WriteAllBytes(Path.Combine(into, piece), content.AsSpan((int)(i * size), (int)Math.Min(size, content.Length - i * size)).ToArray());
                    members.Add(piece);
                }
            }
            else
            {
                File.WriteAllBytes(Path.Combine(into, disk.File), content);
                members.Add(disk.File);
            }
        }

        var manifest = string.Concat(members.Select(m =>
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(into, m));
            string hex = Convert.ToHexStringLower(algorithm == "SHA1" ? SHA1.HashData(bytes) : SHA256.HashData(bytes));
            return $"{algorithm}({m})= {(tamper is null ? hex : tamper(m, hex))}\n";
        }));
        File.WriteAllText(Path.Combine(into, vmName + ".mf"), manifest);
        members.Insert(1, vmName + ".mf");
        return members;
    }

    public string Pack(string vmName, string ova, string algorithm = "SHA256", Func<string, string, string>? tamper = null)
    {
        string staging = Path.Combine(folder, "staging-" + Path.GetFileNameWithoutExtension(ova));
        var members = Stage(vmName, staging, algorithm, tamper);
        ExternalTool.Ok("tar", ["-C", staging, "--format=ustar", "-cf", ova, .. members]);
        return ova;
    }
}
