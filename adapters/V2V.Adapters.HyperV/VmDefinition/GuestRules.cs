namespace V2V.Adapters.HyperV.VmDefinition;

/// <summary>
/// The mapping rules that follow from the guest OS (WINDOWS.md §1, §4): generation 1 for Windows
/// before 8 / 2012 and for 32-bit Windows, a Legacy Network Adapter for guests without a synthetic
/// NIC driver, and a warning against several vCPUs on a uniprocessor HAL.
/// </summary>
internal static class GuestRules
{
    public static (int Generation, string Reason) Generation(GuestFacts? guest, int generation, string reason, bool forced, List<string> warnings)
    {
        if (guest is null || !guest.NoGeneration2 || generation != 2)
        {
            return (generation, reason);
        }

        if (!guest.Generation1Only)
        {
            warnings.Add($"{guest.Name} (from {guest.From}) does not boot on generation 2, and its UEFI install cannot boot on generation 1 without moving its disk from GPT to MBR");
            return (generation, reason);
        }

        string why = $"{guest.Name} (from {guest.From}) boots on generation 1 only";
        if (forced)
        {
            warnings.Add($"generation 2 was asked for, but {why}");
            return (generation, reason);
        }

        warnings.Add($"{why}: generation 1 chosen although the source suggested generation 2 ({reason})");
        return (1, why);
    }

    public static bool LegacyNic(GuestFacts? guest, int generation) => generation == 1 && guest is { IsWindows: true, HasSyntheticNicDriver: false };

    public static void Warn(GuestFacts? guest, int generation, int processors, IReadOnlyList<HyperVNetworkAdapter> adapters, List<string> warnings)
    {
        if (guest is null)
        {
            return;
        }

        if (adapters.Any(a => a.Legacy))
        {
            warnings.Add($"{guest.Name} has no driver for Hyper-V's synthetic network adapter: Legacy Network Adapters instead (slower; the synthetic one needs integration services)");
        }
        else if (guest is { IsWindows: true, HasSyntheticNicDriver: false } && generation == 2 && adapters.Count > 0)
        {
            warnings.Add($"{guest.Name} has no driver for Hyper-V's synthetic network adapter, and generation 2 has no legacy one");
        }

        if (guest.UniprocessorHal && processors > 1)
        {
            warnings.Add($"{guest.Name} runs a uniprocessor HAL: it uses 1 of the {processors} virtual processors; give the VM 1 (or change the HAL)");
        }
    }
}
