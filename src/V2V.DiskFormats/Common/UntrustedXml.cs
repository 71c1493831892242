using System.Xml;
using System.Xml.Linq;
using V2V.Core.Errors;

namespace V2V.DiskFormats.Common;

/// <summary>
/// Loads XML from an untrusted file (OVF, XVA's ova.xml): no DTD, no external resolver, a size
/// cap, and a nesting cap checked before the tree is built, because LINQ to XML walks nesting by
/// recursion (XElement.Value) and millions of nested elements would overflow the stack.
/// </summary>
public static class UntrustedXml
{
    public const int MaxDepth = 256;

    /// <param name="file">The file to name in errors.</param>
    /// <param name="what">What the XML is ("OVF", "ova.xml"), for the message.</param>
    public static XDocument Load(string file, string what, byte[] xml, long maxCharacters)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = maxCharacters,
            IgnoreComments = true,
        };
        try
        {
            using (var check = XmlReader.Create(new MemoryStream(xml), settings))
            {
                while (check.Read())
                {
                    if (check.Depth > MaxDepth)
                    {
                        throw new InvalidImageException(file, $"{what} nests elements more than {MaxDepth} deep");
                    }
                }
            }

            using var reader = XmlReader.Create(new MemoryStream(xml), settings);
            return XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new InvalidImageException(file, $"{what} is not well-formed XML (or uses a DTD, which is refused): {e.Message}");
        }
    }
}
