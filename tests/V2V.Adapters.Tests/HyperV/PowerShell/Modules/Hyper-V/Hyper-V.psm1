# A stand-in for Microsoft's Hyper-V module, for proving V2V's scripts with real PowerShell on a
# machine without Hyper-V. Each cmdlet a script calls is an advanced function with the real
# cmdlet's parameter names, types, positions, aliases and parameter sets as Microsoft's reference
# documents them (Windows Server 2022/2025 Hyper-V module), so PowerShell's own binder rejects an
# unknown parameter or an ambiguous set exactly as it would on a Hyper-V host. Each call is
# appended as one JSON line to $env:V2V_HYPERV_CALLS; the module keeps the VMs it made in memory
# so Get-VMNetworkAdapter and Get-VMHardDiskDrive answer as Hyper-V would, and it refuses what
# Hyper-V refuses (a drive on a missing controller or a taken location, firmware cmdlets of the
# other generation, a missing disk file). $env:V2V_HYPERV_EXISTING names VMs that already exist
# (a JSON array of names).
Set-StrictMode -Version 3.0

# The Hyper-V module's object types, by their short names (PowerShell classes load without a compiler).
enum ControllerType { IDE; SCSI }
enum OnOffState { On; Off }
enum BootDevice { Floppy; CD; IDE; LegacyNetworkAdapter; NetworkAdapter; VHD }
enum IPProtocolPreference { IPv4; IPv6 }
enum ConsoleModeType { Default; COM1; COM2; None }
enum CacheAttributes { Default; WriteCacheEnabled; WriteCacheAndFUAEnabled; WriteCacheDisabled }
enum GuestIsolationType { TrustedLaunch; VBS; SNP; TDX; Disabled }
enum StartAction { Nothing; StartIfRunning; Start }
enum StopAction { TurnOff; Save; ShutDown }
enum CriticalErrorAction { None; Pause }
enum CheckpointType { Disabled; Production; ProductionOnly; Standard }
class VirtualMachine { [string] $Name; [short] $Generation; [int] $ScsiControllers; [System.Collections.Generic.List[object]] $Devices = [System.Collections.Generic.List[object]]::new() }
class VMComponentObject { [VirtualMachine] $VM }
class HardDiskDrive : VMComponentObject { [ControllerType] $ControllerType; [int] $ControllerNumber; [int] $ControllerLocation; [string] $Path }
class VMNetworkAdapterBase : VMComponentObject { [string] $Name }
class VMNetworkAdapter : VMNetworkAdapterBase { [string] $SwitchName; [string] $MacAddress; [bool] $IsLegacy }
class VMDriveController : VMComponentObject { }
class VMSnapshot : VMComponentObject { }
class VMProcessor : VMComponentObject { }
class VMMemory : VMComponentObject { }
class VMFirmware : VMComponentObject { }
class VMBios : VMComponentObject { }

$script:Vms = [System.Collections.Generic.List[VirtualMachine]]::new()
$script:Ignored = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

function ConvertTo-CallValue($Value) {
    if ($null -eq $Value) { return $null }
    if ($Value -is [System.Management.Automation.SwitchParameter]) { return $Value.IsPresent }
    if ($Value -is [VirtualMachine]) { return [ordered]@{ vm = $Value.Name } }
    if ($Value -is [HardDiskDrive]) {
        return [ordered]@{ vm = $Value.VM.Name; hardDiskDrive = [ordered]@{ controllerType = "$($Value.ControllerType)"; controllerNumber = $Value.ControllerNumber; controllerLocation = $Value.ControllerLocation } }
    }
    if ($Value -is [VMNetworkAdapterBase]) { return [ordered]@{ vm = $Value.VM.Name; networkAdapter = $Value.Name } }
    if ($Value -is [enum]) { return $Value.ToString() }
    if ($Value -is [array]) { return , @($Value | ForEach-Object { ConvertTo-CallValue $_ }) }
    return $Value
}

function Write-HyperVCall([System.Management.Automation.PSCmdlet] $Cmdlet, [hashtable] $Bound) {
    $parameters = [ordered]@{}
    foreach ($key in ($Bound.Keys | Sort-Object)) {
        if ($script:Ignored -notcontains $key) { $parameters[$key] = ConvertTo-CallValue $Bound[$key] }
    }
    $call = [ordered]@{ cmdlet = $Cmdlet.MyInvocation.MyCommand.Name; parameterSet = $Cmdlet.ParameterSetName; parameters = $parameters }
    if ($env:V2V_HYPERV_CALLS) {
        [System.IO.File]::AppendAllText($env:V2V_HYPERV_CALLS, (ConvertTo-Json -InputObject $call -Compress -Depth 8) + "`n", [System.Text.UTF8Encoding]::new($false))
    }
}

function Resolve-TargetVm($Vm, [string[]] $VmName) {
    if ($Vm) { return $Vm }
    foreach ($pattern in $VmName) {
        $found = @($script:Vms | Where-Object { [WildcardPattern]::new($pattern, 'IgnoreCase').IsMatch($_.Name) })
        if (-not $found) { throw "Hyper-V was unable to find a virtual machine with name `"$pattern`"." }
        $found
    }
}

function Get-VM {
    [CmdletBinding(DefaultParameterSetName = 'Name')]
    param(
        [Parameter(ParameterSetName = 'Name', Position = 0, ValueFromPipeline = $true)] [Alias('VMName')] [SupportsWildcards()] [string[]] $Name,
        [Parameter(ParameterSetName = 'Id', Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)] [Nullable[guid]] $Id,
        [Parameter(ParameterSetName = 'ClusterObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [psobject] $ClusterObject,
        [Parameter(ParameterSetName = 'Name')] [Parameter(ParameterSetName = 'Id')] [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'Name')] [Parameter(ParameterSetName = 'Id')] [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'Name')] [Parameter(ParameterSetName = 'Id')] [pscredential[]] $Credential
    )
    process {
        Write-HyperVCall $PSCmdlet $PSBoundParameters
        $existing = @($(if ($env:V2V_HYPERV_EXISTING) { ConvertFrom-Json $env:V2V_HYPERV_EXISTING }) | ForEach-Object { [VirtualMachine]@{ Name = $_ } }) + @($script:Vms)
        if (-not $Name) { return $existing }
        foreach ($pattern in $Name) {
            $wildcard = [WildcardPattern]::new($pattern, 'IgnoreCase')
            $found = @($existing | Where-Object { $wildcard.IsMatch($_.Name) })
            if ($found) { $found }
            elseif (-not [WildcardPattern]::ContainsWildcardCharacters($pattern)) { Write-Error "Hyper-V was unable to find a virtual machine with name `"$pattern`"." }
        }
    }
}

function New-VM {
    [CmdletBinding(DefaultParameterSetName = 'No VHD', SupportsShouldProcess = $true)]
    param(
        [Parameter(Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)] [Alias('VMName')] [string] $Name,
        [Parameter(Position = 1)] [long] $MemoryStartupBytes,
        [BootDevice] $BootDevice,
        [Parameter(ParameterSetName = 'No VHD')] [switch] $NoVHD,
        [string] $SwitchName,
        [Parameter(ParameterSetName = 'New VHD', Mandatory = $true)] [string] $NewVHDPath,
        [Parameter(ParameterSetName = 'New VHD', Mandatory = $true)] [uint64] $NewVHDSizeBytes,
        [Parameter(ParameterSetName = 'Existing VHD', Mandatory = $true)] [string] $VHDPath,
        [string] $Path,
        [string] $SourceGuestStatePath,
        [version] $Version,
        [switch] $Prerelease,
        [switch] $Experimental,
        [Parameter(Position = 2)] [ValidateSet(1, 2)] [short] $Generation,
        [GuestIsolationType] $GuestStateIsolationType,
        [switch] $Force,
        [switch] $AsJob,
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [string[]] $ComputerName,
        [pscredential[]] $Credential
    )
    process {
        Write-HyperVCall $PSCmdlet $PSBoundParameters
        $vm = [VirtualMachine]@{ Name = $(if ($Name) { $Name } else { 'New Virtual Machine' }); Generation = $(if ($Generation) { $Generation } else { 1 }) }
        $vm.ScsiControllers = $(if ($vm.Generation -eq 2) { 1 } else { 0 })
        $vm.Devices.Add([VMNetworkAdapter]@{ VM = $vm; Name = 'Network Adapter'; SwitchName = $SwitchName })
        $script:Vms.Add($vm)
        $vm
    }
}

function Set-VM {
    [CmdletBinding(DefaultParameterSetName = 'Name', SupportsShouldProcess = $true)]
    param(
        [Parameter(ParameterSetName = 'Name', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [Alias('VMName')] [string[]] $Name,
        [Parameter(ParameterSetName = 'VMObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VirtualMachine[]] $VM,
        [Parameter(ParameterSetName = 'Name')] [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'Name')] [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'Name')] [pscredential[]] $Credential,
        [bool] $GuestControlledCacheTypes,
        [uint32] $LowMemoryMappedIoSpace,
        [uint64] $HighMemoryMappedIoSpace,
        [long] $ProcessorCount,
        [switch] $DynamicMemory,
        [switch] $StaticMemory,
        [long] $MemoryMinimumBytes,
        [long] $MemoryMaximumBytes,
        [long] $MemoryStartupBytes,
        [StartAction] $AutomaticStartAction,
        [StopAction] $AutomaticStopAction,
        [int] $AutomaticStartDelay,
        [CriticalErrorAction] $AutomaticCriticalErrorAction,
        [int] $AutomaticCriticalErrorActionTimeout,
        [bool] $AutomaticCheckpointsEnabled,
        [OnOffState] $LockOnDisconnect,
        [string] $Notes,
        [string] $NewVMName,
        [string] $SnapshotFileLocation,
        [string] $SmartPagingFilePath,
        [CheckpointType] $CheckpointType,
        [switch] $Passthru,
        [switch] $AllowUnverifiedPaths
    )
    process { Write-HyperVCall $PSCmdlet $PSBoundParameters; $null = Resolve-TargetVm $VM $Name }
}

function Set-VMProcessor {
    [CmdletBinding(DefaultParameterSetName = 'VMName', SupportsShouldProcess = $true)]
    param(
        [Parameter(ParameterSetName = 'VMName')] [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'VMName')] [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'VMName')] [pscredential[]] $Credential,
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string[]] $VMName,
        [Parameter(ParameterSetName = 'VMObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VirtualMachine[]] $VM,
        [Parameter(ParameterSetName = 'VMProcessor', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VMProcessor[]] $VMProcessor,
        [long] $Count,
        [bool] $CompatibilityForMigrationEnabled,
        [bool] $CompatibilityForOlderOperatingSystemsEnabled,
        [long] $HwThreadCountPerCore,
        [long] $Maximum,
        [long] $Reserve,
        [int] $RelativeWeight,
        [int] $MaximumCountPerNumaNode,
        [int] $MaximumCountPerNumaSocket,
        [string] $ResourcePoolName,
        [string] $Perfmon,
        [bool] $EnableHostResourceProtection,
        [bool] $ExposeVirtualizationExtensions,
        [switch] $Passthru
    )
    process { Write-HyperVCall $PSCmdlet $PSBoundParameters; $null = Resolve-TargetVm $VM $VMName }
}

function Set-VMMemory {
    [CmdletBinding(DefaultParameterSetName = 'VMName', SupportsShouldProcess = $true)]
    param(
        [Parameter(ParameterSetName = 'VMName')] [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'VMName')] [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'VMName')] [pscredential[]] $Credential,
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string[]] $VMName,
        [Parameter(ParameterSetName = 'VMObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VirtualMachine[]] $VM,
        [Parameter(ParameterSetName = 'ResourceObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VMMemory[]] $VMMemory,
        [int] $Buffer,
        [bool] $DynamicMemoryEnabled,
        [long] $MaximumBytes,
        [long] $StartupBytes,
        [long] $MinimumBytes,
        [int] $Priority,
        [long] $MaximumAmountPerNumaNodeBytes,
        [string] $ResourcePoolName,
        [switch] $Passthru
    )
    process { Write-HyperVCall $PSCmdlet $PSBoundParameters; $null = Resolve-TargetVm $VM $VMName }
}

function Add-VMScsiController {
    [CmdletBinding(DefaultParameterSetName = 'VMName', SupportsShouldProcess = $true)]
    param(
        [Parameter(ParameterSetName = 'VMName')] [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'VMName')] [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'VMName')] [pscredential[]] $Credential,
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string[]] $VMName,
        [Parameter(ParameterSetName = 'VMObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VirtualMachine[]] $VM,
        [switch] $Passthru
    )
    process {
        Write-HyperVCall $PSCmdlet $PSBoundParameters
        foreach ($target in (Resolve-TargetVm $VM $VMName)) {
            if ($target.ScsiControllers -ge 4) { throw "A virtual machine has at most 4 SCSI controllers." }
            $target.ScsiControllers++
        }
    }
}

function Add-VMHardDiskDrive {
    [CmdletBinding(DefaultParameterSetName = 'VMName', SupportsShouldProcess = $true)]
    param(
        [Parameter(ParameterSetName = 'VMName')] [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'VMName')] [Alias('PSComputerName')] [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'VMName')] [pscredential[]] $Credential,
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string[]] $VMName,
        [Parameter(ParameterSetName = 'VMObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VirtualMachine[]] $VM,
        [Parameter(ParameterSetName = 'VMDriveController', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VMDriveController] $VMDriveController,
        [Parameter(ParameterSetName = 'VMName', Position = 1)] [Parameter(ParameterSetName = 'VMObject', Position = 1)] [ControllerType] $ControllerType,
        [Parameter(ParameterSetName = 'VMName', Position = 2)] [Parameter(ParameterSetName = 'VMObject', Position = 2)] [int] $ControllerNumber,
        [Parameter(Position = 3)] [int] $ControllerLocation,
        [Parameter(Position = 4)] [string] $Path,
        [Parameter(ValueFromPipelineByPropertyName = $true)] [Alias('Number')] [uint32] $DiskNumber,
        [string] $ResourcePoolName,
        [Alias('ShareVirtualDisk')] [switch] $SupportPersistentReservations,
        [switch] $AllowUnverifiedPaths,
        [uint64] $MaximumIOPS,
        [uint64] $MinimumIOPS,
        [string] $QoSPolicyID,
        [ciminstance] $QoSPolicy,
        [switch] $Passthru,
        [CacheAttributes] $OverrideCacheAttributes
    )
    process {
        Write-HyperVCall $PSCmdlet $PSBoundParameters
        if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { throw "The system cannot find the file '$Path'." }
        foreach ($target in (Resolve-TargetVm $VM $VMName)) {
            $controllers = $(if ($ControllerType -eq 'IDE') { $(if ($target.Generation -eq 1) { 2 } else { 0 }) } else { $target.ScsiControllers })
            $locations = $(if ($ControllerType -eq 'IDE') { 2 } else { 64 })
            if ($ControllerNumber -ge $controllers -or $ControllerLocation -ge $locations) { throw "$ControllerType controller $ControllerNumber location $ControllerLocation does not exist in '$($target.Name)'." }
            $taken = $target.Devices | Where-Object { $_ -is [HardDiskDrive] -and $_.ControllerType -eq $ControllerType -and $_.ControllerNumber -eq $ControllerNumber -and $_.ControllerLocation -eq $ControllerLocation }
            if ($taken) { throw "$ControllerType $ControllerNumber`:$ControllerLocation of '$($target.Name)' is in use." }
            $target.Devices.Add([HardDiskDrive]@{ VM = $target; ControllerType = $ControllerType; ControllerNumber = $ControllerNumber; ControllerLocation = $ControllerLocation; Path = $Path })
        }
    }
}

function Get-VMHardDiskDrive {
    [CmdletBinding(DefaultParameterSetName = 'VMName')]
    param(
        [Parameter(ParameterSetName = 'VMName')] [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'VMName')] [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'VMName')] [pscredential[]] $Credential,
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string[]] $VMName,
        [Parameter(ParameterSetName = 'VMObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VirtualMachine[]] $VM,
        [Parameter(ParameterSetName = 'VMSnapshot', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [Alias('VMCheckpoint')] [VMSnapshot] $VMSnapshot,
        [Parameter(ParameterSetName = 'VMDriveController', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VMDriveController[]] $VMDriveController,
        [Nullable[int]] $ControllerLocation,
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'VMObject')] [Parameter(ParameterSetName = 'VMSnapshot')] [Nullable[int]] $ControllerNumber,
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'VMObject')] [Parameter(ParameterSetName = 'VMSnapshot')] [Nullable[ControllerType]] $ControllerType
    )
    process {
        Write-HyperVCall $PSCmdlet $PSBoundParameters
        foreach ($target in (Resolve-TargetVm $VM $VMName)) {
            $target.Devices | Where-Object {
                $_ -is [HardDiskDrive] -and
                ($null -eq $ControllerType -or $_.ControllerType -eq $ControllerType) -and
                ($null -eq $ControllerNumber -or $_.ControllerNumber -eq $ControllerNumber) -and
                ($null -eq $ControllerLocation -or $_.ControllerLocation -eq $ControllerLocation)
            }
        }
    }
}

function Get-VMNetworkAdapter {
    [CmdletBinding(DefaultParameterSetName = 'VMName')]
    param(
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'VMObject')] [Nullable[bool]] $IsLegacy,
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'ManagementOS')] [Parameter(ParameterSetName = 'All')] [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'ManagementOS')] [Parameter(ParameterSetName = 'All')] [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'ManagementOS')] [Parameter(ParameterSetName = 'All')] [pscredential[]] $Credential,
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string[]] $VMName,
        [Parameter(ParameterSetName = 'VMObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VirtualMachine[]] $VM,
        [Parameter(ParameterSetName = 'VMSnapshot', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [Alias('VMCheckpoint')] [VMSnapshot] $VMSnapshot,
        [Parameter(Position = 1)] [Alias('VMNetworkAdapterName')] [string] $Name,
        [Parameter(ParameterSetName = 'ManagementOS', Mandatory = $true)] [switch] $ManagementOS,
        [Parameter(ParameterSetName = 'ManagementOS')] [string] $SwitchName,
        [Parameter(ParameterSetName = 'All', Mandatory = $true)] [switch] $All
    )
    process {
        Write-HyperVCall $PSCmdlet $PSBoundParameters
        foreach ($target in (Resolve-TargetVm $VM $VMName)) {
            # A copy: the caller may pipe these into Remove-VMNetworkAdapter, which changes the list.
            @($target.Devices | Where-Object { $_ -is [VMNetworkAdapter] -and (-not $Name -or $_.Name -eq $Name) -and ($null -eq $IsLegacy -or $_.IsLegacy -eq $IsLegacy) })
        }
    }
}

function Remove-VMNetworkAdapter {
    [CmdletBinding(DefaultParameterSetName = 'VMName', SupportsShouldProcess = $true)]
    param(
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'ManagementOS')] [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'ManagementOS')] [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'ManagementOS')] [pscredential[]] $Credential,
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string[]] $VMName,
        [Parameter(ParameterSetName = 'VMObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VirtualMachine[]] $VM,
        [Parameter(ParameterSetName = 'ResourceObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VMNetworkAdapterBase[]] $VMNetworkAdapter,
        [Parameter(ParameterSetName = 'ManagementOS', Mandatory = $true)] [switch] $ManagementOS,
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'ManagementOS')] [Parameter(ParameterSetName = 'VMObject')] [Alias('VMNetworkAdapterName')] [string] $Name,
        [Parameter(ParameterSetName = 'ManagementOS')] [string] $SwitchName,
        [switch] $Passthru
    )
    process {
        Write-HyperVCall $PSCmdlet $PSBoundParameters
        foreach ($adapter in $VMNetworkAdapter) { $null = $adapter.VM.Devices.Remove($adapter) }
    }
}

function Add-VMNetworkAdapter {
    [CmdletBinding(DefaultParameterSetName = 'VMName', SupportsShouldProcess = $true)]
    param(
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'ManagementOS')] [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'ManagementOS')] [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'ManagementOS')] [pscredential[]] $Credential,
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string[]] $VMName,
        [Parameter(ParameterSetName = 'VMObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VirtualMachine[]] $VM,
        [Parameter(ParameterSetName = 'ManagementOS', Mandatory = $true)] [switch] $ManagementOS,
        [string] $SwitchName,
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'VMObject')] [bool] $IsLegacy,
        [string] $Name,
        [switch] $DynamicMacAddress,
        [string] $StaticMacAddress,
        [switch] $Passthru,
        [Parameter(ParameterSetName = 'VMName')] [Parameter(ParameterSetName = 'VMObject')] [string] $ResourcePoolName,
        [OnOffState] $DeviceNaming
    )
    process {
        Write-HyperVCall $PSCmdlet $PSBoundParameters
        if ($StaticMacAddress -and $StaticMacAddress -notmatch '^[0-9A-Fa-f]{12}$') { throw "'$StaticMacAddress' is not a valid MAC address." }
        foreach ($target in (Resolve-TargetVm $VM $VMName)) {
            if ($IsLegacy -and $target.Generation -eq 2) { throw "Generation 2 virtual machines have no legacy network adapters." }
            $target.Devices.Add([VMNetworkAdapter]@{ VM = $target; Name = $(if ($Name) { $Name } else { 'Network Adapter' }); SwitchName = $SwitchName; MacAddress = $StaticMacAddress; IsLegacy = $IsLegacy })
        }
    }
}

function Set-VMFirmware {
    [CmdletBinding(DefaultParameterSetName = 'VMName', SupportsShouldProcess = $true)]
    param(
        [Parameter(ParameterSetName = 'VMName')] [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'VMName')] [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'VMName')] [pscredential[]] $Credential,
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string[]] $VMName,
        [Parameter(ParameterSetName = 'VMObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VirtualMachine[]] $VM,
        [Parameter(ParameterSetName = 'VMFirmware', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VMFirmware[]] $VMFirmware,
        [VMComponentObject[]] $BootOrder,
        [VMComponentObject] $FirstBootDevice,
        [OnOffState] $EnableSecureBoot,
        [string] $SecureBootTemplate,
        [Nullable[guid]] $SecureBootTemplateId,
        [IPProtocolPreference] $PreferredNetworkBootProtocol,
        [ConsoleModeType] $ConsoleMode,
        [OnOffState] $PauseAfterBootFailure,
        [switch] $Passthru
    )
    process {
        Write-HyperVCall $PSCmdlet $PSBoundParameters
        foreach ($target in (Resolve-TargetVm $VM $VMName)) {
            if ($target.Generation -ne 2) { throw "Set-VMFirmware works on generation 2 virtual machines only; '$($target.Name)' is generation $($target.Generation)." }
        }
        if ($PSBoundParameters.ContainsKey('FirstBootDevice') -and $null -eq $FirstBootDevice) { throw "FirstBootDevice is null." }
        if ($SecureBootTemplate -and @('MicrosoftWindows', 'MicrosoftUEFICertificateAuthority', 'OpenSourceShieldedVM') -notcontains $SecureBootTemplate) { throw "Unknown Secure Boot template '$SecureBootTemplate'." }
    }
}

function Set-VMBios {
    [CmdletBinding(DefaultParameterSetName = 'VMName', SupportsShouldProcess = $true)]
    param(
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [string[]] $VMName,
        [Parameter(ParameterSetName = 'VMName')] [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'VMName')] [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'VMName')] [pscredential[]] $Credential,
        [Parameter(ParameterSetName = 'VMObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VirtualMachine[]] $VM,
        [Parameter(ParameterSetName = 'VMBios', Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [VMBios[]] $VMBios,
        [switch] $DisableNumLock,
        [switch] $EnableNumLock,
        [BootDevice[]] $StartupOrder,
        [switch] $Passthru
    )
    process {
        Write-HyperVCall $PSCmdlet $PSBoundParameters
        foreach ($target in (Resolve-TargetVm $VM $VMName)) {
            if ($target.Generation -ne 1) { throw "Set-VMBios works on generation 1 virtual machines only; '$($target.Name)' is generation $($target.Generation)." }
        }
    }
}

# Not Hyper-V: a guard. A module's functions shadow cmdlets of the same name, so a hostile name
# that broke out of its quotes to run Remove-Item would be recorded here, and delete nothing.
function Remove-Item {
    [CmdletBinding()]
    param([Parameter(ValueFromRemainingArguments = $true)] [object[]] $Arguments)
    Write-HyperVCall $PSCmdlet $PSBoundParameters
}

Export-ModuleMember -Function Remove-Item, Get-VM, New-VM, Set-VM, Set-VMProcessor, Set-VMMemory, Add-VMScsiController, Add-VMHardDiskDrive, Get-VMHardDiskDrive, Get-VMNetworkAdapter, Remove-VMNetworkAdapter, Add-VMNetworkAdapter, Set-VMFirmware, Set-VMBios
