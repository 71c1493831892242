using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace V2V.Core.Vm;

/// <summary>The stable JSON form of a VM description (<c>&lt;vm&gt;.vm.json</c>, <c>v2v info --json</c>).</summary>
public static class VmDescriptionJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Serialize(VmDescription vm) => JsonSerializer.Serialize(vm, Options) + "\n";
}
