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
/// temporary file. A VM that is not powered off is refused (its disks change while read) unless
/// <see cref="VSphereSourceOptions.Snapshot"/> asks for a snapshot: then the disks are read as a
/// <see cref="VSphereSnapshot"/> V2V takes when they are first read and removes when the source is
/// disposed. The session is logged out when the source is disposed, on success and failure alike.
/// </summary>
public sealed class VSphereSource : IVmSource
{
    private readonly VimClient _client;
    private readonly VSphereVm _vm;
    private readonly CertificatePin _pin;
    private readonly bool _snapshot;
    private VSphereSnapshot? _taken;

    private VSphereSource(VimClient client, VSphereVm vm, CertificatePin pin, VSphereSourceOptions options, string path)
    {
        _client = client;
        _vm = vm;
        _pin = pin;
        _snapshot = options.Snapshot;
        Route = options.Route;
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

    /// <summary>The snapshot V2V took to read the disks (with <see cref="VSphereSourceOptions.Snapshot"/>, once they were read), or null.</summary>
    public VSphereSnapshot? Snapshot => _taken;

    /// <summary>Connects and logs in (<see cref="Open(VimClient, VSphereSourceOptions, CancellationToken)"/> finds the VM).</summary>
    /// <exception cref="VSphereException">Unreachable, untrusted certificate, login refused.</exception>
    public static VimClient Connect(VSphereSourceOptions options, CancellationToken cancellationToken = default) =>
        VimClient.Connect(VSphereEndpoint.Parse(options.Server), options.User, options.Password, new CertificatePin(options.Thumbprint), cancellationToken);

    /// <exception cref="VSphereException">Connect, login, find or describe failed, or the VM is powered on without <see cref="VSphereSourceOptions.Snapshot"/> (exit 2).</exception>
    public static VSphereSource Open(VSphereSourceOptions options, CancellationToken cancellationToken = default) =>
        Open(Connect(options, cancellationToken), options, cancellationToken);

    /// <summary>
    /// Finds and describes the VM on a logged-in session, which the source then owns (it is logged
    /// out when the source is disposed, or at once when this fails). Checks what can be checked
    /// before a copy: the VM exists, is powered off (unless a snapshot is to be read), and every
    /// disk is a file on one of the VM's datastores.
    /// </summary>
    public static VSphereSource Open(VimClient client, VSphereSourceOptions options, CancellationToken cancellationToken = default)
    {
        try
        {
            var vm = VSphereVmReader.Read(client, VSphereInventory.Find(client, options.Vm));
            if (vm.PowerState != "poweredOff" && !options.Snapshot)
            {
                throw new VSphereException(client.Server, $"VM {vm.Found.InventoryPath} is {vm.PowerState}: its disks change while it runs; shut it down (guest shutdown, then check it is powered off) and run again, or pass --snapshot (in a job file, snapshot: true) to read a snapshot V2V takes and removes afterwards", VSphereException.Usage);
            }

            if (options.Route == VSphereRoute.Export && options.Snapshot)
            {
                throw new VSphereException(client.Server, "--snapshot reads the snapshot's files through the datastore route; the export route (--route export) exports a powered-off VM only: drop one of them", VSphereException.Usage);
            }

            // The export route reads what the server streams; the file route needs each disk's files.
            if (options.Route == VSphereRoute.Datastore)
            {
                CheckDisks(client, vm, vm.Disks);
                CheckDatastores(client, vm);
            }

            return new VSphereSource(client, vm, new CertificatePin(options.Thumbprint), options, $"vsphere://{options.User}@{client.Endpoint.Sdk.Authority}{vm.Found.InventoryPath}");
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static void CheckDisks(VimClient client, VSphereVm vm, IReadOnlyList<VSphereDisk> disks)
    {
        foreach (var disk in disks)
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
    }

    /// <summary>Every disk file (and recorded parent) must be on a datastore the VM uses, which the file route names by dsName.</summary>
    private static void CheckDatastores(VimClient client, VSphereVm vm)
    {
        var refs = PropertyReader.Retrieve(client, vm.Found.Ref, "datastore").Element("datastore")?.Elements().Select(MoRef.From).OfType<MoRef>().ToList() ?? [];
        var names = refs.Select(r => PropertyReader.Retrieve(client, r, "name").Text("name")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var file in vm.Disks.SelectMany(d => d.Parents.Prepend(d.File!)))
        {
            if (!names.Contains(file.Datastore))
            {
                throw new VSphereException(client.Server, $"disk {file} of {vm.Found.InventoryPath} is on datastore \"{file.Datastore}\", which is not one of the VM's datastores ({(names.Count == 0 ? "none" : string.Join(", ", names.Order(StringComparer.Ordinal)))})", VSphereException.Usage);
            }
        }
    }

    /// <summary>
    /// The disks to read: the VM's own, or with <see cref="VSphereSourceOptions.Snapshot"/> those of
    /// the snapshot taken on the first call (removed when the source is disposed).
    /// </summary>
    public IReadOnlyList<VSphereDisk> DisksToRead(CancellationToken cancellationToken = default)
    {
        if (!_snapshot)
        {
            return _vm.Disks;
        }

        if (_taken is null)
        {
            _taken = VSphereSnapshot.Take(_client, _vm.Found, cancellationToken);
            if (_taken.Disks.Count != _vm.Disks.Count)
            {
                throw new VSphereException(_client.Server, $"snapshot {_taken.Name} of {_vm.Found.InventoryPath} has {_taken.Disks.Count} disk(s), the VM {_vm.Disks.Count}: its configuration changed while V2V read it; run again", VSphereException.Failure);
            }

            CheckDisks(_client, _vm, _taken.Disks);
        }

        return _taken.Disks;
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
        foreach (var disk in DisksToRead(cancellationToken))
        {
            number++;
            cancellationToken.ThrowIfCancellationRequested();
            using var source = OpenDisk(disk, cancellationToken);
            await convert(new VmDiskFeed(_vm.Description, number, source.Path, new RandomAccessProducer(source, source.Capacity), [])).ConfigureAwait(false);
        }
    }

    /// <summary>Removes the snapshot V2V took (on success, failure and cancellation alike), then logs out.</summary>
    /// <remarks>A snapshot that cannot be removed is reported on stderr (a dispose cannot fail the run it ends); it keeps its recognisable name.</remarks>
    public void Dispose()
    {
        try
        {
            if (_taken is { } taken)
            {
                _taken = null;
                taken.Remove(_client);
            }
        }
        catch (VSphereException e)
        {
            Console.Error.WriteLine($"warning: {e.Message}");
        }
        finally
        {
            _client.Dispose();
        }
    }
}
