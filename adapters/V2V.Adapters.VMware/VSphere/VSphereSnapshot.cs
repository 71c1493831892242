using System.Globalization;
using System.Xml.Linq;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// A snapshot V2V takes of a VM so that its disks can be read while it runs:
/// <c>CreateSnapshot_Task</c> without memory and without quiescing (a crash-consistent image, as
/// after a power loss), named <c>v2v-YYYYMMDDTHHMMSSZ</c> with a description saying who took it.
/// Its disks are the files the snapshot's own <c>config</c> names — the chain as it was when the
/// snapshot was taken, which vSphere no longer writes (the running VM writes a new delta) — never
/// the VM's running delta. <see cref="Remove"/> deletes it with <c>RemoveSnapshot_Task</c>
/// (children kept, deltas consolidated).
/// </summary>
public sealed class VSphereSnapshot
{
    /// <summary>The name's prefix, so an administrator recognises a snapshot V2V left behind.</summary>
    public const string NamePrefix = "v2v-";

    /// <summary>How long snapshot creation and removal may take (removal consolidates the deltas written meanwhile).</summary>
    public static TimeSpan TaskLimit { get; set; } = TimeSpan.FromHours(2);

    private VSphereSnapshot(MoRef reference, string name, IReadOnlyList<VSphereDisk> disks)
    {
        Ref = reference;
        Name = name;
        Disks = disks;
    }

    public MoRef Ref { get; }

    /// <summary>"v2v-20261130T021500Z".</summary>
    public string Name { get; }

    /// <summary>The disks as the snapshot's configuration names them, in controller order.</summary>
    public IReadOnlyList<VSphereDisk> Disks { get; }

    /// <exception cref="VSphereException">The task failed (the message says why) or the snapshot cannot be read.</exception>
    public static VSphereSnapshot Take(VimClient client, FoundVm vm, CancellationToken cancellationToken)
    {
        string name = NamePrefix + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var task = MoRef.From(client.Invoke("CreateSnapshot_Task", vm.Ref,
        [
            new XElement(VimXml.Vim + "name", name),
            new XElement(VimXml.Vim + "description", "Taken by V2V to read the disks of a running VM; V2V removes it when done. Remove it if it is still here after V2V finished."),
            new XElement(VimXml.Vim + "memory", "false"),
            new XElement(VimXml.Vim + "quiesce", "false"),
        ], cancellationToken).Child("returnval")) ?? throw client.Malformed("CreateSnapshot_Task returned no task");
        var result = VSphereTask.Wait(client, task, $"creating snapshot {name} of {vm.InventoryPath}", cancellationToken);
        var snapshot = MoRef.From(result) ?? throw client.Malformed($"creating snapshot {name} of {vm.InventoryPath} succeeded without naming the snapshot");
        try
        {
            var config = PropertyReader.Retrieve(client, snapshot, "config.hardware.device");
            return new VSphereSnapshot(snapshot, name, VSphereVmReader.DisksOf(client, config.Element("config.hardware.device")));
        }
        catch
        {
            new VSphereSnapshot(snapshot, name, []).Remove(client);
            throw;
        }
    }

    /// <summary>Removes the snapshot and waits for it; runs on its own time limit, so a cancelled conversion still cleans up.</summary>
    /// <exception cref="VSphereException">The server refused or failed the removal (the snapshot is left; the message names it).</exception>
    public void Remove(VimClient client)
    {
        using var limit = new CancellationTokenSource(TaskLimit);
        try
        {
            var task = MoRef.From(client.Invoke("RemoveSnapshot_Task", Ref,
            [
                new XElement(VimXml.Vim + "removeChildren", "false"),
                new XElement(VimXml.Vim + "consolidate", "true"),
            ], limit.Token).Child("returnval")) ?? throw client.Malformed("RemoveSnapshot_Task returned no task");
            VSphereTask.Wait(client, task, $"removing snapshot {Name}", limit.Token);
        }
        catch (VSphereException e)
        {
            throw new VSphereException(client.Server, $"snapshot \"{Name}\" ({Ref.Value}) that V2V took could not be removed ({e.Message}); remove it in the vSphere Client (Snapshots > Manage Snapshots)", VSphereException.Failure, e);
        }
        catch (OperationCanceledException e)
        {
            throw new VSphereException(client.Server, $"snapshot \"{Name}\" ({Ref.Value}) that V2V took was not removed within {TaskLimit}; check it in the vSphere Client (Snapshots > Manage Snapshots)", VSphereException.Failure, e);
        }
    }
}

/// <summary>Waits for a vSphere task by polling its <c>info</c> (0.1 s, growing to 2 s between polls).</summary>
internal static class VSphereTask
{
    /// <returns>The task's <c>info.result</c> element (null when it returns nothing).</returns>
    /// <exception cref="VSphereException">The task ended in error (its fault and message), or never ended within <see cref="VSphereSnapshot.TaskLimit"/>.</exception>
    public static XElement? Wait(VimClient client, MoRef task, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + VSphereSnapshot.TaskLimit;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            var info = PropertyReader.Retrieve(client, task, "info.state", "info.result", "info.error");
            switch (info.Text("info.state"))
            {
                case "success":
                    return info.Element("info.result");
                case "error":
                    var error = info.Element("info.error");
                    string fault = error?.Child("fault") is { } f ? VimXml.TypeOf(f) ?? "fault" : "fault";
                    string message = error?.ChildValue("localizedMessage") is { Length: > 0 } text ? $": {text}" : "";
                    throw new VSphereException(client.Server, $"{what} failed: {fault}{message}", VSphereException.Failure, faultName: fault);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new VSphereException(client.Server, $"{what}: the task {task.Value} did not finish within {VSphereSnapshot.TaskLimit}", VSphereException.Failure);
            }

            Task.Delay(delay, cancellationToken).GetAwaiter().GetResult();
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }
}
