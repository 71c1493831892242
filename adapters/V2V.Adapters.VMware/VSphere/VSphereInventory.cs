using System.Xml.Linq;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>A VM found in the inventory: its reference, its inventory path and its datacenter's path (dcPath).</summary>
public sealed record FoundVm(MoRef Ref, string InventoryPath, string DatacenterPath);

/// <summary>
/// Finds a VM by inventory path ("/DC/vm/folder/name", SearchIndex.FindByInventoryPath) or by
/// name (every VM through a container view; a name held by several VMs is an error listing them).
/// </summary>
public static class VSphereInventory
{
    /// <summary>Deeper folder nesting than this is taken as a loop in the parent chain.</summary>
    private const int MaxDepth = 128;

    /// <exception cref="VSphereException">Not found (exit 2), ambiguous (exit 2), or a server failure.</exception>
    public static FoundVm Find(VimClient client, string vm)
    {
        if (vm.Contains('/', StringComparison.Ordinal))
        {
            string path = vm.Trim('/');
            var response = client.Invoke("FindByInventoryPath", client.Content.SearchIndex, [new XElement(VimXml.Vim + "inventoryPath", path)]);
            var found = MoRef.From(response.Child("returnval"));
            if (found is not { Type: "VirtualMachine" } reference)
            {
                throw new VSphereException(client.Server, found is null
                    ? $"no VM at inventory path \"/{path}\" (the form is /DATACENTER/vm/FOLDER/NAME; give the name alone to search every datacenter)"
                    : $"\"/{path}\" is a {found.Value.Type}, not a VM", VSphereException.Usage);
            }

            return Locate(client, reference);
        }

        var named = PropertyReader.RetrieveAllOfType(client, client.Content.RootFolder, "VirtualMachine", "name")
            .Where(o => string.Equals(o.Text("name"), vm, StringComparison.Ordinal))
            .ToList();
        return named.Count switch
        {
            0 => throw new VSphereException(client.Server, $"no VM named \"{vm}\"", VSphereException.Usage),
            1 => Locate(client, named[0].Target),
            _ => throw new VSphereException(client.Server,
                $"{named.Count} VMs are named \"{vm}\"; give one by its inventory path: {string.Join(", ", named.Select(o => Locate(client, o.Target).InventoryPath).Order(StringComparer.Ordinal))}",
                VSphereException.Usage),
        };
    }

    /// <summary>Walks the parents up to the root folder for the VM's inventory path and its datacenter.</summary>
    public static FoundVm Locate(VimClient client, MoRef vm)
    {
        var names = new List<string>();
        string? datacenterPath = null;
        int datacenterDepth = -1;
        MoRef? current = vm;
        for (int depth = 0; current is { } at && at != client.Content.RootFolder; depth++)
        {
            if (depth > MaxDepth)
            {
                throw client.Malformed($"the inventory above {vm} is more than {MaxDepth} levels deep (a loop?)");
            }

            var properties = PropertyReader.Retrieve(client, at, "name", "parent");
            names.Add(properties.Text("name") ?? at.Value);
            if (at.Type == "Datacenter")
            {
                datacenterDepth = names.Count;
            }

            current = MoRef.From(properties.Element("parent"));
        }

        names.Reverse();
        if (datacenterDepth > 0)
        {
            datacenterPath = string.Join('/', names.Take(names.Count - datacenterDepth + 1));
        }

        return new FoundVm(vm, "/" + string.Join('/', names), datacenterPath ?? throw client.Malformed($"{vm} is in no datacenter"));
    }
}
