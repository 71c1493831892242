using V2V.Core.Errors;
using V2V.Core.Vm;
using V2V.DiskFormats.Vmdk;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// The export route: the VM's disks as the streamOptimized VMDKs an OVF export is made of, through
/// one <c>ExportVm</c> lease. Each disk's URL is found by its device key (controller type, bus
/// and unit, as the VM's configuration has them), streamed once front to back through
/// <see cref="StreamOptimizedProducer"/> into the pipeline (no temporary file), while
/// <see cref="LeaseKeepAlive"/> reports progress. Every disk copied: <c>HttpNfcLeaseComplete</c>;
/// any failure or cancellation: <c>HttpNfcLeaseAbort</c>.
/// </summary>
internal static class VSphereExport
{
    public static async Task CopyAsync(VimClient client, VSphereVm vm, CertificatePin pin, Func<VmDiskFeed, Task> convert, CancellationToken cancellationToken)
    {
        var lease = HttpNfcLease.Export(client, vm.Found.Ref, cancellationToken);
        bool completed = false;
        try
        {
            var devices = Match(client, vm, lease);
            var progress = new CopyProgress([.. vm.Disks.Select(d => Math.Max(d.Drive.Capacity ?? 1, 1))]);
            using var http = ExportDiskStream.Client(pin, lease);
            using (var keepAlive = new LeaseKeepAlive(lease, LeaseKeepAlive.IntervalFor(lease.Timeout), progress.Percent, progress.CutCurrent))
            {
                for (int i = 0; i < devices.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    keepAlive.ThrowIfFailed();
                    var disk = vm.Disks[i];
                    string name = $"{client.Server}/{disk.File?.ToString() ?? devices[i].Key}";
                    using var stream = ExportDiskStream.Open(http, client, devices[i], name, () => keepAlive.Failure, cancellationToken);
                    progress.Start(i, stream);
                    keepAlive.ThrowIfFailed();
                    using var buffered = new BufferedStream(stream, 1 << 20);
                    StreamOptimizedProducer producer;
                    try
                    {
                        producer = StreamOptimizedProducer.Start(buffered, name);
                    }
                    catch (UnsupportedFormatException e)
                    {
                        throw new UnsupportedFormatException(name, $"the export stream is not a streamOptimized VMDK, which vSphere exports are ({e.Message[(e.File.Length + 2)..]})");
                    }

                    // A streamOptimized VMDK is at most its capacity plus grain markers, tables and padding (under 1 %): twice is a generous bound.
                    stream.MaxBytes = Math.Max(stream.MaxBytes, 2 * producer.Length + (64L << 20));
                    await convert(new VmDiskFeed(vm.Description, i + 1, name, producer, [])).ConfigureAwait(false);
                    progress.Finish(i);
                }

                keepAlive.ThrowIfFailed();
            }

            lease.Complete(cancellationToken);
            completed = true;
        }
        finally
        {
            if (!completed)
            {
                lease.Abort();
            }
        }
    }

    /// <summary>The lease's disk URL for each of the VM's disks, in the VM's disk order; every disk must have exactly one, and every disk URL a disk.</summary>
    internal static IReadOnlyList<LeaseDevice> Match(VimClient client, VSphereVm vm, HttpNfcLease lease)
    {
        var offered = lease.Devices.Where(d => d.Disk).ToList();
        var matched = new List<LeaseDevice>(vm.Disks.Count);
        foreach (var disk in vm.Disks)
        {
            var drive = disk.Drive;
            var found = offered.Where(d => HttpNfcLease.ParseKey(d.Key) is { } key
                && VSphereVmReader.Controller(key.ControllerType) is { } controller
                && controller.Kind == drive.Controller && controller.Model == drive.ControllerModel
                && key.Bus == drive.Bus && key.Unit == drive.Unit).ToList();
            string label = $"{drive.Controller.ToString().ToUpperInvariant()}{drive.Bus}:{drive.Unit} ({disk.File?.ToString() ?? "no file"})";
            if (found.Count != 1)
            {
                string keys = offered.Count == 0 ? "none" : string.Join(", ", offered.Take(16).Select(d => d.Key));
                throw client.Malformed(found.Count == 0
                    ? $"the export lease offers no URL for disk {label}; its disk keys: {keys}"
                    : $"the export lease offers {found.Count} URLs for disk {label}");
            }

            matched.Add(found[0]);
        }

        if (offered.Except(matched).FirstOrDefault() is { } extra)
        {
            throw client.Malformed($"the export lease offers disk {extra.Key}, which the VM's configuration does not have");
        }

        return matched;
    }

    /// <summary>The copy's percentage for HttpNfcLeaseProgress: disks weighted by capacity, the current one by the bytes of its stream read.</summary>
    private sealed class CopyProgress(long[] capacities)
    {
        private readonly long _total = capacities.Sum();
        private long _done;
        private volatile ExportDiskStream? _current;
        private int _index;

        public void Start(int index, ExportDiskStream stream)
        {
            _index = index;
            _current = stream;
        }

        public void Finish(int index)
        {
            _current = null;
            Interlocked.Add(ref _done, capacities[index]);
        }

        public int Percent()
        {
            double part = 0;
            if (_current is { ContentLength: > 0 } stream)
            {
                part = capacities[_index] * Math.Min(1.0, (double)stream.BytesRead / stream.ContentLength!.Value);
            }

            // 100 is for a finished copy, which HttpNfcLeaseComplete says.
            return (int)Math.Min(99, (Interlocked.Read(ref _done) + part) * 100 / _total);
        }

        public void CutCurrent() => _current?.Cut();
    }
}
