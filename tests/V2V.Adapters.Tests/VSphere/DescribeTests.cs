using System.Xml.Linq;
using V2V.Adapters.HyperV.VmDefinition;
using V2V.Adapters.VMware.VSphere;
using V2V.Adapters.VMware.Vmx;
using V2V.Core.Conversion;
using V2V.Core.Formats;
using V2V.Core.Vm;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.VSphere;

/// <summary>Finding VMs and reading their configuration into the neutral description, against one simulator.</summary>
[NonParallelizable]
public class DescribeTests
{
    private VcSim _sim = null!;

    [OneTimeSetUp]
    public void StartSimulator() => _sim = VcSim.Start();

    [OneTimeTearDown]
    public void StopSimulator() => _sim?.Dispose();

    private VimClient Connect() => VimClient.Connect(VSphereEndpoint.Parse(_sim.Url.ToString()), "user", VSpherePassword.Of("pass", "the test"), new CertificatePin(_sim.Sha256));

    [Test]
    public void A_vm_is_found_by_inventory_path_and_by_name_alike()
    {
        using var client = Connect();
        var target = _sim.Vms.Single(v => v.Name == "DC0_H0_VM1");

        var byPath = VSphereInventory.Find(client, target.InventoryPath);
        var byName = VSphereInventory.Find(client, "DC0_H0_VM1");

        Assert.Multiple(() =>
        {
            Assert.That(byPath, Is.EqualTo(byName));
            Assert.That(byPath.Ref.Value, Is.EqualTo(target.Moref));
            Assert.That(byPath.InventoryPath, Is.EqualTo(target.InventoryPath));
            Assert.That(byPath.DatacenterPath, Is.EqualTo("DC0"));
        });
    }

    [TestCase("/DC0/vm/no-such-vm", "no VM at inventory path \"/DC0/vm/no-such-vm\"")]
    [TestCase("no-such-vm", "no VM named \"no-such-vm\"")]
    [TestCase("/DC0/vm", "is a Folder, not a VM")]
    public void An_unknown_vm_is_a_usage_error(string vm, string message)
    {
        using var client = Connect();
        var e = Assert.Throws<VSphereException>(() => VSphereInventory.Find(client, vm))!;
        Assert.That(e.ExitCode, Is.EqualTo(2));
        Assert.That(e.Message, Does.Contain(message));
    }

    [Test]
    public void A_name_held_by_two_vms_is_an_error_listing_both_paths()
    {
        using var client = Connect();
        // A folder may not hold two VMs of one name, so the second twin moves into a subfolder.
        var vmFolder = MoRef.From(client.Invoke("FindByInventoryPath", client.Content.SearchIndex, [new XElement(VimXml.Vim + "inventoryPath", "DC0/vm")]).Child("returnval"))!.Value;
        var sub = MoRef.From(client.Invoke("CreateFolder", vmFolder, [new XElement(VimXml.Vim + "name", "sub")]).Child("returnval"))!.Value;
        var moved = new MoRef("VirtualMachine", _sim.Vms.Single(v => v.Name == "DC0_C0_RP0_VM1").Moref);
        Task.Wait(client.Invoke("MoveIntoFolder_Task", sub, [moved.ToXml("list")]));
        Task.Wait(client.Invoke("Rename_Task", moved, [new XElement(VimXml.Vim + "newName", "DC0_H0_VM0")]));

        var e = Assert.Throws<VSphereException>(() => VSphereInventory.Find(client, "DC0_H0_VM0"))!;

        Assert.That(e.ExitCode, Is.EqualTo(2));
        Assert.That(e.Message, Does.Contain("2 VMs are named \"DC0_H0_VM0\"").And.Contain("/DC0/vm/DC0_H0_VM0, /DC0/vm/sub/DC0_H0_VM0"));
    }

    [Test]
    public void A_vm_read_from_vsphere_maps_to_the_same_hyper_v_definition_as_its_vmx()
    {
        using var client = Connect();
        var sim = _sim.Vms.Single(v => v.Name == "DC0_C0_RP0_VM0");
        var vmRef = new MoRef("VirtualMachine", sim.Moref);
        RemoveCdRoms(client, vmRef);
        Task.Wait(client.Invoke("ReconfigVM_Task", vmRef, [XElement.Parse("""
            <spec xmlns="urn:vim25"><guestId>windows9_64Guest</guestId><numCPUs>4</numCPUs><memoryMB>4096</memoryMB><firmware>efi</firmware></spec>
            """)]));
        var read = VSphereVmReader.Read(client, VSphereInventory.Find(client, sim.InventoryPath));
        var nic = read.Description.Nics.Single();

        // The same VM as a .vmx, with the disk and NIC where vSphere puts them.
        using var folder = new TempFolder();
        string vmx = folder.File("vm.vmx");
        File.WriteAllText(vmx, $"""
            config.version = "8"
            virtualHW.version = "13"
            displayName = "{sim.Name}"
            vc.uuid = "{read.Description.SourceId}"
            firmware = "efi"
            numvcpus = "4"
            memSize = "4096"
            guestOS = "windows9-64"
            scsi0.present = "TRUE"
            scsi0.virtualDev = "pvscsi"
            scsi0:0.present = "TRUE"
            scsi0:0.fileName = "disk1.vmdk"
            ethernet0.present = "TRUE"
            ethernet0.virtualDev = "e1000"
            ethernet0.addressType = "generated"
            ethernet0.generatedAddress = "{nic.Mac}"
            ethernet0.networkName = "{nic.Network}"
            """);
        using var local = VmxSource.Open(vmx, SourceOptions.Default, V2V.Cli.FormatCatalog.Create());
        var fromVmx = local.Vms[0];

        Assert.Multiple(() =>
        {
            Assert.That(read.PowerState, Is.EqualTo("poweredOff"));
            Assert.That(read.Disks.Single().File, Is.EqualTo(new DatastorePath("LocalDS_0", $"{sim.Name}/disk1.vmdk")));
            Assert.That(read.Description with { Drives = [], Nics = [] }, Is.EqualTo(fromVmx with { Drives = [], Nics = [] }).Using<VmDescription>(SameScalars));
            Assert.That(read.Description.Drives.Select(d => d with { Source = null, Capacity = null }), Is.EqualTo(fromVmx.Drives.Select(d => d with { Source = null })));
            Assert.That(read.Description.Nics, Is.EqualTo(fromVmx.Nics));
            Assert.That(Definition(read.Description), Is.EqualTo(Definition(fromVmx)));
        });
    }

    [TestCase("windows9_64Guest", "windows9-64")]
    [TestCase("otherGuest", "other")]
    [TestCase("ubuntu64Guest", "ubuntu-64")]
    [TestCase("rhel8_64Guest", "rhel8-64")]
    [TestCase("winNetEnterpriseGuest", "winnetenterprise")]
    public void Guest_ids_take_the_form_a_vmx_gives_them(string guestId, string vmx) =>
        Assert.That(VSphereVmReader.VmxGuestOs(guestId), Is.EqualTo(vmx));

    private static bool SameScalars(VmDescription a, VmDescription b) =>
        (a.Name, a.SourceHypervisor, a.SourceId, a.Firmware, a.Cpus, a.MemoryMiB, a.GuestOs) == (b.Name, b.SourceHypervisor, b.SourceId, b.Firmware, b.Cpus, b.MemoryMiB, b.GuestOs)
        && a.OtherDevices.SequenceEqual(b.OtherDevices);

    private static string Definition(VmDescription vm)
    {
        var disks = vm.Disks.Select((d, i) => new ConvertedDisk(i + 1, $"{vm.FileSafeName}-disk{i + 1}.vhdx", "disk", 1 << 20, "xxh128-1m:0", true, 0)).ToList();
        var definition = HyperVMapper.Map(new ConvertedVm(vm, disks), null, new HyperVOptions(), new DateTime(2026, 1, 15, 0, 0, 0, DateTimeKind.Utc));
        return HyperVDefinitionJson.Write(definition) + PowerShellScript.Write(definition);
    }

    /// <summary>vcsim puts its CD-ROM on the SCSI controller at the disk's own unit, which no .vmx can say.</summary>
    private static void RemoveCdRoms(VimClient client, MoRef vm)
    {
        var devices = PropertyReader.Retrieve(client, vm, "config.hardware.device").Element("config.hardware.device")!.Elements();
        foreach (var cdrom in devices.Where(d => VimXml.TypeOf(d) == "VirtualCdrom").ToList())
        {
            var device = new XElement(cdrom) { Name = VimXml.Vim + "device" };
            Task.Wait(client.Invoke("ReconfigVM_Task", vm, [new XElement(VimXml.Vim + "spec", new XElement(VimXml.Vim + "deviceChange", new XElement(VimXml.Vim + "operation", "remove"), device))]));
        }
    }

    /// <summary>The simulator's tasks finish before the first poll; this checks they succeeded.</summary>
    private static class Task
    {
        public static void Wait(XElement response) => Assert.That(MoRef.From(response.Child("returnval"))?.Type, Is.EqualTo("Task"));
    }
}
