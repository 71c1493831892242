using V2V.Core.Errors;
using V2V.Core.Pipeline;
using V2V.Core.Vm;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>What a vSphere source needs: server, VM (inventory path or name), user, password, pinned thumbprint.</summary>
public sealed record VSphereSourceOptions(string Server, string Vm, string User, VSpherePassword Password, string? Thumbprint)
{
    /// <summary>How the disks' data is read (default: the datastore file route).</summary>
    public VSphereRoute Route { get; init; } = VSphereRoute.Datastore;

    /// <summary>Read a snapshot V2V takes (and removes afterwards, also on failure) instead of refusing a powered-on VM.</summary>
    public bool Snapshot { get; init; }
}

/// <summary>Where a vSphere source's disk data comes from.</summary>
public enum VSphereRoute
{
    /// <summary>The VM's files through the datastore file route (<c>/folder/PATH?dcPath=&amp;dsName=</c>).</summary>
    Datastore,

    /// <summary>The streamOptimized disks of an OVF export (<c>ExportVm</c> → <c>HttpNfcLease</c>).</summary>
    Export,
}

/// <summary>
/// A VM read straight from vCenter or ESXi: its description from <c>config</c>, its disks through
/// the datastore file route (<see cref="RemoteVmdkDisk"/>) or, with <see cref="VSphereRoute.Export"/>,
/// through an export lease (<see cref="VSphereExport"/>), streamed into the pipeline with no
/// temporary file. A VM that is not powered off is refused (its disks change while read). The
/// session is logged out when the source is disposed, on success and failure alike.
/// </summary>
public sealed class VSphereSource : IVmSource
{
    private readonly VimClient _client;
    private readonly VSphereVm _vm;
    private readonly CertificatePin _pin;

    private VSphereSource(VimClient client, VSphereVm vm, CertificatePin pin, VSphereRoute route, string path)
    {
        _client = client;
        _vm = vm;
        _pin = pin;
        Route = route;
        Path = path;
        Vms = [vm.Description];
    }

    /// <summary>"vsphere://USER@HOST/DC/vm/NAME".</summary>
    public string Path { get; }
    public string Format => "vsphere";
    public IReadOnlyList<VmDescription> Vms { get; }

    /// <summary>A vSphere source reads no local file.</summary>
    public IReadOnlyList<string> Files => [];

    public VSphereVm Vm => _vm;

    /// <summary>How <see cref="ForEachDiskAsync"/> reads the disks.</summary>
    public VSphereRoute Route { get; }

    /// <exception cref="VSphereException">Connect, login, find or describe failed, or the VM is powered on (exit 2).</exception>
    public static VSphereSource Open(VSphereSourceOptions options, CancellationToken cancellationToken = default)
    {
        var endpoint = VSphereEndpoint.Parse(options.Server);
        var pin = new CertificatePin(options.Thumbprint);
        var client = VimClient.Connect(endpoint, options.User, options.Password, pin, cancellationToken);
        try
        {
            var vm = VSphereVmReader.Read(client, VSphereInventory.Find(client, options.Vm));
            if (vm.PowerState != "poweredOff")
            {
                throw new VSphereException(client.Server, $"VM {vm.Found.InventoryPath} is {vm.PowerState}: its disks change while it runs; shut it down (guest shutdown, then check it is powered off) and run again", VSphereException.Usage);
            }

            // The export route reads what the server streams; the file route needs each disk's files.
            foreach (var disk in options.Route == VSphereRoute.Datastore ? vm.Disks : [])
            {
                if (disk.File is null)
                {
                    throw new UnsupportedFormatException($"{client.Server}{vm.Found.InventoryPath}", $"disk {disk.Drive.Controller}{disk.Drive.Bus}:{disk.Drive.Unit} has no datastore file (backing {disk.BackingType})");
                }

                if (disk.BackingType.Contains("RawDiskMapping", StringComparison.Ordinal) && disk.Parents.Count == 0)
                {
                    throw new UnsupportedFormatException($"{client.Server}{vm.Found.InventoryPath}", $"disk {disk.File} is a raw device mapping: copy the mapped LUN itself");
                }
            }

            return new VSphereSource(client, vm, pin, options.Route, $"vsphere://{options.User}@{endpoint.Sdk.Authority}{vm.Found.InventoryPath}");
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Opens one disk of the VM (its chain as the descriptors name it), for <c>info</c> or a single-disk conversion; always through the datastore file route (an export stream cannot seek).</summary>
    public RemoteVmdkDisk OpenDisk(VSphereDisk disk, CancellationToken cancellationToken = default) =>
        RemoteVmdkDisk.Open(_client, _vm.Found.DatacenterPath, disk.File!, cancellationToken);

    public async Task ForEachDiskAsync(Func<VmDiskFeed, Task> convert, CancellationToken cancellationToken)
    {
        if (Route == VSphereRoute.Export)
        {
            await VSphereExport.CopyAsync(_client, _vm, _pin, convert, cancellationToken).ConfigureAwait(false);
            return;
        }

        int number = 0;
        foreach (var disk in _vm.Disks)
        {
            number++;
            cancellationToken.ThrowIfCancellationRequested();
            using var source = OpenDisk(disk, cancellationToken);
            await convert(new VmDiskFeed(_vm.Description, number, source.Path, new RandomAccessProducer(source, source.Capacity), [])).ConfigureAwait(false);
        }
    }

    public void Dispose() => _client.Dispose();
}
