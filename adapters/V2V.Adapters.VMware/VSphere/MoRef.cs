using System.Xml.Linq;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>A managed object reference: its type and its opaque value ("vm-63", "session[...]uuid").</summary>
public readonly record struct MoRef(string Type, string Value)
{
    public XElement ToXml(string name) => new(VimXml.Vim + name, new XAttribute("type", Type), Value);

    /// <summary>Reads <c>&lt;x type="T"&gt;value&lt;/x&gt;</c>; null when the element is missing or has no type.</summary>
    public static MoRef? From(XElement? element) =>
        element?.Attribute("type")?.Value is { Length: > 0 } type ? new MoRef(type, element.Value) : null;

    public override string ToString() => $"{Type}:{Value}";
}

/// <summary>Names and helpers for vim25 SOAP XML.</summary>
public static class VimXml
{
    public static readonly XNamespace Vim = "urn:vim25";
    public static readonly XNamespace Soap = "http://schemas.xmlsoap.org/soap/envelope/";
    public static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>
    /// The local part of an element's xsi:type ("VirtualDisk" from "XMLSchema-instance:type" or
    /// "xsi:type" alike): resolved by namespace URI, since servers declare their own prefixes.
    /// </summary>
    public static string? TypeOf(XElement element)
    {
        string? value = element.Attribute(Xsi + "type")?.Value;
        if (value is null)
        {
            return null;
        }

        int colon = value.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? value : value[(colon + 1)..];
    }

    /// <summary>The child in the vim25 namespace, or null.</summary>
    public static XElement? Child(this XElement element, string name) => element.Element(Vim + name);

    public static string? ChildValue(this XElement element, string name) => element.Element(Vim + name)?.Value;

    public static IEnumerable<XElement> ChildrenNamed(this XElement element, string name) => element.Elements(Vim + name);
}
