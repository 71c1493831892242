using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace V2V.Adapters.HyperV.VmDefinition;

/// <summary>The Hyper-V definition as JSON (<c>&lt;vm&gt;.hyperv.json</c>) for other tools, in a fixed field order.</summary>
public static class HyperVDefinitionJson
{
    /// <summary>The text of <c>&lt;vm&gt;.hyperv.json</c>, ending in a newline.</summary>
    public static string Write(HyperVDefinition vm)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(w, vm);
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>The definition as one object, into a document the caller writes (<c>v2v info --json</c>).</summary>
    public static void Write(Utf8JsonWriter w, HyperVDefinition vm)
    {
        w.WriteStartObject();
        w.WriteString("name", vm.Name);
        w.WriteNumber("generation", vm.Generation);
        w.WriteString("generationReason", vm.GenerationReason);
        w.WriteNumber("processorCount", vm.ProcessorCount);
        w.WriteNumber("memoryStartupBytes", vm.MemoryStartupBytes);
        w.WriteBoolean("dynamicMemory", false);
        w.WriteStartObject("secureBoot");
        w.WriteBoolean("enabled", vm.SecureBoot);
        if (vm.SecureBootTemplate is not null)
        {
            w.WriteString("template", vm.SecureBootTemplate);
        }

        w.WriteEndObject();
        w.WriteStartArray("disks");
        foreach (var disk in vm.Disks)
        {
            w.WriteStartObject();
            w.WriteString("controllerType", disk.ControllerType);
            w.WriteNumber("controllerNumber", disk.ControllerNumber);
            w.WriteNumber("controllerLocation", disk.ControllerLocation);
            w.WriteString("file", disk.File);
            w.WriteBoolean("boot", disk.Boot);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("networkAdapters");
        foreach (var nic in vm.NetworkAdapters)
        {
            w.WriteStartObject();
            w.WriteString("name", nic.Name);
            if (nic.Switch is not null)
            {
                w.WriteString("switch", nic.Switch);
            }

            if (nic.StaticMac is not null)
            {
                w.WriteString("staticMac", nic.StaticMac);
            }

            if (nic.SourceNetwork is not null)
            {
                w.WriteString("sourceNetwork", nic.SourceNetwork);
            }

            if (nic.Legacy)
            {
                w.WriteBoolean("legacy", true);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (vm.VmFolder is not null)
        {
            w.WriteString("vmFolder", vm.VmFolder);
        }

        w.WriteString("notes", vm.Notes);
        if (vm.GuestOs is not null)
        {
            w.WriteString("guestOs", vm.GuestOs);
        }

        if (vm.Readiness.Count > 0)
        {
            w.WriteStartArray("readiness");
            vm.Readiness.ToList().ForEach(w.WriteStringValue);
            w.WriteEndArray();
        }

        w.WriteStartArray("warnings");
        foreach (var warning in vm.Warnings)
        {
            w.WriteStringValue(warning);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}
