using System.Globalization;
using System.Text;

namespace V2V.Adapters.HyperV.VmDefinition;

/// <summary>
/// Writes a Hyper-V definition as a readable PowerShell script using the Hyper-V module. Every
/// value from the source (names, notes, file names) is a single-quoted literal with its quotes
/// doubled — including the typographic quotes PowerShell also accepts — so nothing from a VMX,
/// OVF or XVA can run as code. The script refuses to touch an existing VM of the same name.
/// </summary>
public static class PowerShellScript
{
    /// <summary>A PowerShell single-quoted literal: no expansion, nothing executes.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder("'");
        foreach (char c in value)
        {
            // ' and its typographic forms all end a single-quoted string; doubling escapes them.
            if (c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B')
            {
                text.Append(c);
            }

            text.Append(c);
        }

        return text.Append('\'').ToString();
    }

    /// <summary>Text for a comment line: line breaks of any kind would end the comment and start code.</summary>
    public static string Comment(string text) =>
        new(text.Select(c => char.IsControl(c) || c is '\u2028' or '\u2029' ? ' ' : c).ToArray());

    public static string Write(HyperVDefinition vm)
    {
        var s = new StringBuilder();
        void Line(string text = "") => s.Append(text).Append('\n');
        string I(long value) => value.ToString(CultureInfo.InvariantCulture);

        Line("#Requires -Modules Hyper-V");
        Line($"# Hyper-V definition of {Comment(Quote(vm.Name))}, written by V2V. Run it on the Hyper-V host, from the");
        Line("# folder holding the converted disks, or pass -DiskFolder. It creates the VM and stops if a VM");
        Line("# of the same name exists; it never changes or removes one.");
        if (vm.GuestOs is not null)
        {
            Line($"# Guest: {Comment(vm.GuestOs)}");
        }

        foreach (string verdict in vm.Readiness)
        {
            Line($"# Readiness: {Comment(verdict)}");
        }

        foreach (var warning in vm.Warnings)
        {
            Line($"# WARNING: {Comment(warning)}");
        }

        Line("[CmdletBinding()]");
        Line("param(");
        Line("    [string] $DiskFolder = $PSScriptRoot,");
        Line($"    [string] $VmFolder{(vm.VmFolder is null ? "" : " = " + Quote(vm.VmFolder))}");
        Line(")");
        Line("$ErrorActionPreference = 'Stop'");
        Line($"$name = {Quote(vm.Name)}");
        Line();
        // Get-VM -Name takes wildcards: a name holding [ ] * ? would miss the VM it names.
        Line("if (Get-VM | Where-Object { $_.Name -eq $name }) {");
        Line("    throw \"A VM named '$name' already exists. V2V does not overwrite VMs: remove or rename it, then run this again.\"");
        Line("}");
        Line();
        Line("$disks = @(");
        foreach (var disk in vm.Disks)
        {
            Line($"    @{{ Type = '{disk.ControllerType}'; Number = {disk.ControllerNumber}; Location = {disk.ControllerLocation}; File = {Quote(disk.File)} }}");
        }

        Line(")");
        Line("foreach ($disk in $disks) {");
        Line("    $path = Join-Path $DiskFolder $disk.File");
        Line("    if (-not (Test-Path -LiteralPath $path)) { throw \"Disk $path is missing: copy the converted disks next to this script.\" }");
        Line("}");
        Line();
        Line($"$newVm = @{{ Name = $name; Generation = {vm.Generation}; MemoryStartupBytes = {I(vm.MemoryStartupBytes)}; NoVHD = $true }}");
        Line("if ($VmFolder) { $newVm.Path = $VmFolder }");
        Line("$vm = New-VM @newVm");
        Line($"Set-VMProcessor -VM $vm -Count {vm.ProcessorCount}");
        Line($"Set-VMMemory -VM $vm -DynamicMemoryEnabled $false -StartupBytes {I(vm.MemoryStartupBytes)}");
        Line($"Set-VM -VM $vm -Notes {Quote(vm.Notes)}");
        int controllers = vm.Disks.Where(d => d.ControllerType == "SCSI").Select(d => d.ControllerNumber + 1).DefaultIfEmpty(0).Max();
        int present = vm.Generation == 2 ? 1 : 0; // generation 2 VMs come with one SCSI controller
        for (int c = present; c < controllers; c++)
        {
            Line("Add-VMScsiController -VM $vm");
        }

        Line("foreach ($disk in $disks) {");
        Line("    Add-VMHardDiskDrive -VM $vm -ControllerType $disk.Type -ControllerNumber $disk.Number -ControllerLocation $disk.Location -Path (Join-Path $DiskFolder $disk.File)");
        Line("}");
        Line();
        Line("# New-VM adds one unconnected adapter; the source's adapters replace it.");
        Line("Get-VMNetworkAdapter -VM $vm | Remove-VMNetworkAdapter");
        foreach (var nic in vm.NetworkAdapters)
        {
            // The MAC goes with the adapter: Set-VMNetworkAdapter -VMName would take the VM's name as a wildcard.
            string nicSwitch = nic.Switch is null ? "" : " -SwitchName " + Quote(nic.Switch);
            string mac = nic.StaticMac is null ? "" : $" -StaticMacAddress '{nic.StaticMac}'";
            Line($"Add-VMNetworkAdapter -VM $vm -Name {Quote(nic.Name)}{(nic.Legacy ? " -IsLegacy $true" : "")}{nicSwitch}{mac}");
        }

        Line();
        var boot = vm.Disks.FirstOrDefault(d => d.Boot);
        if (vm.Generation == 2)
        {
            string bootDevice = boot is null ? "" : $" -FirstBootDevice (Get-VMHardDiskDrive -VM $vm -ControllerType SCSI -ControllerNumber {boot.ControllerNumber} -ControllerLocation {boot.ControllerLocation})";
            Line(vm.SecureBoot
                ? $"Set-VMFirmware -VM $vm{bootDevice} -EnableSecureBoot On -SecureBootTemplate '{vm.SecureBootTemplate}'"
                : $"Set-VMFirmware -VM $vm{bootDevice} -EnableSecureBoot Off");
        }
        else
        {
            Line("Set-VMBios -VM $vm -StartupOrder @('IDE', 'CD', 'LegacyNetworkAdapter', 'Floppy')");
        }

        Line();
        Line("Write-Output \"Created VM '$name'. Check it, then: Start-VM -Name '$name'\"");
        return s.ToString();
    }
}
