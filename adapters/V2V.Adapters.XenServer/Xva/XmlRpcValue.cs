using System.Globalization;
using System.Xml.Linq;
using V2V.Core.Errors;

namespace V2V.Adapters.XenServer.Xva;

/// <summary>
/// XML-RPC values as xapi writes them in ova.xml: structs become dictionaries, arrays lists, and
/// scalars strings (xapi writes strings and 64-bit numbers bare, others use &lt;string&gt;, &lt;i4&gt;, ...).
/// </summary>
public static class XmlRpcValue
{
    public const int MaxDepth = 64;

    public static object? Parse(string file, XElement value, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidImageException(file, $"ova.xml nests values deeper than {MaxDepth} levels");
        }

        var typed = value.Elements().FirstOrDefault();
        if (typed is null)
        {
            return value.Value;
        }

        switch (typed.Name.LocalName)
        {
            case "struct":
                var members = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var member in typed.Elements("member"))
                {
                    string name = member.Element("name")?.Value ?? throw new InvalidImageException(file, "ova.xml struct member without a name");
                    var inner = member.Element("value") ?? throw new InvalidImageException(file, $"ova.xml struct member \"{name}\" without a value");
                    members[name] = Parse(file, inner, depth + 1);
                }

                return members;
            case "array":
                return typed.Element("data")?.Elements("value").Select(v => Parse(file, v, depth + 1)).ToList() ?? [];
            case "boolean":
                return typed.Value.Trim() == "1" ? "true" : "false";
            case "nil":
                return null;
            default:
                return typed.Value;
        }
    }

    public static string? Text(IReadOnlyDictionary<string, object?> record, string key) =>
        record.TryGetValue(key, out var value) ? value as string : null;

    public static long? Number(IReadOnlyDictionary<string, object?> record, string key) =>
        Text(record, key) is { } text && long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : null;

    public static IReadOnlyDictionary<string, object?> Struct(IReadOnlyDictionary<string, object?> record, string key) =>
        record.TryGetValue(key, out var value) && value is IReadOnlyDictionary<string, object?> s ? s : new Dictionary<string, object?>();

    public static IEnumerable<string> Refs(IReadOnlyDictionary<string, object?> record, string key) =>
        record.TryGetValue(key, out var value) && value is List<object?> list ? list.OfType<string>() : [];
}
