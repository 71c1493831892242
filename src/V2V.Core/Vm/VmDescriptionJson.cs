using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using V2V.Core.Conversion;

namespace V2V.Core.Vm;

/// <summary>What <c>v2v info --json</c> prints for a VM package.</summary>
public sealed record VmPackageInfo(string Path, string Format, IReadOnlyList<VmDescription> Vms);

/// <summary>
/// The stable JSON form of VM descriptions (<c>&lt;vm&gt;.vm.json</c>, <c>v2v info --json</c>), written
/// field by field with Utf8JsonWriter: the order is fixed, nothing is reflected over, and nothing
/// is compiled at run time (the serializer's first call costs more than converting a small disk).
/// </summary>
public static class VmDescriptionJson
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Serialize(ConvertedVm converted) => Write(w =>
    {
        w.WriteStartObject();
        w.WritePropertyName("vm");
        Write(w, converted.Vm);
        w.WriteStartArray("disks");
        foreach (var disk in converted.Disks)
        {
            w.WriteStartObject();
            w.WriteNumber("disk", disk.Disk);
            w.WriteString("file", disk.File);
            w.WriteString("source", disk.Source);
            w.WriteNumber("capacity", disk.Capacity);
            w.WriteString("digest", disk.Digest);
            w.WriteBoolean("verified", disk.Verified);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    public static string Serialize(VmPackageInfo info) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("path", info.Path);
        w.WriteString("format", info.Format);
        w.WritePropertyName("vms");
        WriteAll(w, info.Vms);
        w.WriteEndObject();
    });

    public static string Serialize(IReadOnlyList<VmDescription> vms) => Write(w => WriteAll(w, vms));

    private static void WriteAll(Utf8JsonWriter w, IReadOnlyList<VmDescription> vms)
    {
        w.WriteStartArray();
        foreach (var vm in vms)
        {
            Write(w, vm);
        }

        w.WriteEndArray();
    }

    private static void Write(Utf8JsonWriter w, VmDescription vm)
    {
        w.WriteStartObject();
        w.WriteString("name", vm.Name);
        w.WriteString("sourceHypervisor", vm.SourceHypervisor);
        Optional(w, "sourceId", vm.SourceId);
        w.WriteString("firmware", Camel(vm.Firmware));
        w.WriteNumber("cpus", vm.Cpus);
        w.WriteNumber("memoryMiB", vm.MemoryMiB);
        Optional(w, "guestOs", vm.GuestOs);
        w.WriteStartArray("drives");
        foreach (var d in vm.Drives)
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
        w.WriteStartArray("otherDevices");
        foreach (var device in vm.OtherDevices)
        {
            w.WriteStringValue(device);
        }

        w.WriteEndArray();
        w.WriteEndObject();
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

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            body(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
