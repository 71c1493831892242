using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using V2V.Core.Conversion;

namespace V2V.Core.Vm;

/// <summary>Which fields a VM is written with.</summary>
public enum VmJsonForm
{
    /// <summary><c>&lt;vm&gt;.vm.json</c> and <c>v2v info --json</c>: what the source says.</summary>
    Description,

    /// <summary>
    /// <c>v2v convert --json</c>: the description, then the fields that report has always carried
    /// besides (a VM's power state, source warnings, disks again and file-safe name; a disk's
    /// data bytes read; the VM's warnings).
    /// </summary>
    Report,
}

/// <summary>
/// The one JSON writer of VM records (<see cref="VmDescription"/>, <see cref="ConvertedVm"/>,
/// <see cref="ConvertedDisk"/>) for <c>&lt;vm&gt;.vm.json</c>, <c>v2v info --json</c> and
/// <c>v2v convert --json</c>, written field by field with Utf8JsonWriter: the order is fixed,
/// nothing is reflected over, and nothing is compiled at run time (the serializer's first call
/// costs more than converting a small disk). Absent values are left out; enums are camelCase.
/// </summary>
public static class VmDescriptionJson
{
    /// <summary>Indented, non-ASCII kept as is: the style of every V2V JSON output.</summary>
    public static JsonWriterOptions Options { get; } = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The text of <c>&lt;vm&gt;.vm.json</c>, ending in a newline.</summary>
    public static string Serialize(ConvertedVm converted) => Text(w => Write(w, converted, VmJsonForm.Description)) + "\n";

    /// <summary>An array of descriptions, ending in a newline.</summary>
    public static string Serialize(IReadOnlyList<VmDescription> vms) => Text(w =>
    {
        w.WriteStartArray();
        foreach (var vm in vms)
        {
            Write(w, vm, VmJsonForm.Description);
        }

        w.WriteEndArray();
    }) + "\n";

    /// <summary>A converted VM: <c>{"vm": ..., "disks": [...], "guest": {...}}</c> (guest when inspected), and its warnings in the report form.</summary>
    public static void Write(Utf8JsonWriter w, ConvertedVm converted, VmJsonForm form)
    {
        w.WriteStartObject();
        w.WritePropertyName("vm");
        Write(w, converted.Vm, form);
        w.WriteStartArray("disks");
        foreach (var disk in converted.Disks)
        {
            w.WriteStartObject();
            w.WriteNumber("disk", disk.Disk);
            w.WriteString("file", disk.File);
            w.WriteString("source", disk.Source);
            w.WriteNumber("capacity", disk.Capacity);
            w.WriteString("digest", disk.Digest);
            if (disk.OutputDigest.Length > 0)
            {
                // The file's own content digest: the source's unless the guest fixups changed it.
                w.WriteString("outputDigest", disk.OutputDigest);
            }

            if (disk.FixupJournal is { } journal)
            {
                w.WriteString("fixupJournal", journal);
            }

            w.WriteBoolean("verified", disk.Verified);
            if (form == VmJsonForm.Report)
            {
                w.WriteNumber("dataBytesRead", disk.DataBytesRead);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (converted.Guest is { } guest)
        {
            w.WritePropertyName("guest");
            guest.WriteTo(w);
        }

        if (form == VmJsonForm.Report && converted.Warnings is { } warnings)
        {
            Strings(w, "warnings", warnings);
        }

        w.WriteEndObject();
    }

    /// <summary>A VM description as one object.</summary>
    public static void Write(Utf8JsonWriter w, VmDescription vm, VmJsonForm form)
    {
        w.WriteStartObject();
        WriteProperties(w, vm, form);
        w.WriteEndObject();
    }

    /// <summary>A VM description's fields, into an object the caller opened (and may add to).</summary>
    public static void WriteProperties(Utf8JsonWriter w, VmDescription vm, VmJsonForm form)
    {
        w.WriteString("name", vm.Name);
        w.WriteString("sourceHypervisor", vm.SourceHypervisor);
        Optional(w, "sourceId", vm.SourceId);
        w.WriteString("firmware", Camel(vm.Firmware));
        w.WriteNumber("cpus", vm.Cpus);
        w.WriteNumber("memoryMiB", vm.MemoryMiB);
        Optional(w, "guestOs", vm.GuestOs);
        Drives(w, "drives", vm.Drives);
        w.WriteStartArray("nics");
        foreach (var n in vm.Nics)
        {
            w.WriteStartObject();
            w.WriteNumber("index", n.Index);
            Optional(w, "mac", n.Mac);
            w.WriteBoolean("staticMac", n.StaticMac);
            Optional(w, "network", n.Network);
            Optional(w, "model", n.Model);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        Strings(w, "otherDevices", vm.OtherDevices);
        if (form == VmJsonForm.Report)
        {
            Optional(w, "powerState", vm.PowerState);
            Strings(w, "sourceWarnings", vm.SourceWarnings);
            Drives(w, "disks", vm.Disks);
            w.WriteString("fileSafeName", vm.FileSafeName);
        }
    }

    /// <summary>Runs <paramref name="body"/> on a writer with <see cref="Options"/> and returns what it wrote.</summary>
    public static string Text(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            body(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Drives(Utf8JsonWriter w, string name, IEnumerable<VmDrive> drives)
    {
        w.WriteStartArray(name);
        foreach (var d in drives)
        {
            w.WriteStartObject();
            w.WriteString("kind", Camel(d.Kind));
            w.WriteString("controller", Camel(d.Controller));
            Optional(w, "controllerModel", d.ControllerModel);
            w.WriteNumber("bus", d.Bus);
            w.WriteNumber("unit", d.Unit);
            Optional(w, "source", d.Source);
            if (d.Capacity is { } capacity)
            {
                w.WriteNumber("capacity", capacity);
            }

            w.WriteBoolean("bootable", d.Bootable);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    private static void Optional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static string Camel<T>(T value)
        where T : struct, Enum
    {
        string name = value.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }
}
