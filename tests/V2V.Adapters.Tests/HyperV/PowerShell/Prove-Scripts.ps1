# Proves V2V's Hyper-V scripts with real PowerShell, many in one process (PowerShell starts in
# about a second; each script still runs in a runspace of its own, so module state never leaks).
# For each entry of the manifest (a JSON array of { script, diskFolder, calls, existing }):
#  - parses the file with PowerShell's parser and lists its errors;
#  - walks the syntax tree for what Windows PowerShell 5.1 cannot parse (PowerShell 7 additions);
#  - notes whether the file starts with a UTF-8 byte order mark (5.1 reads a file without one as ANSI);
#  - runs the script with -DiskFolder against the Hyper-V stand-in module (found on PSModulePath
#    through the script's own #Requires line), the calls going to the entry's calls file.
# Writes a JSON array of results to -Result.
param([Parameter(Mandatory = $true)] [string] $Manifest, [Parameter(Mandatory = $true)] [string] $Result)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

function Find-PowerShell7Syntax([System.Management.Automation.Language.Ast] $Ast, $Tokens) {
    $found = [System.Collections.Generic.List[string]]::new()
    $nodes = $Ast.FindAll({ $true }, $true)
    foreach ($node in $nodes) {
        $kind = $node.GetType().Name
        $line = $node.Extent.StartLineNumber
        switch ($kind) {
            'TernaryExpressionAst' { $found.Add("line ${line}: ternary operator ?:") }
            'PipelineChainAst' { $found.Add("line ${line}: pipeline chain && or ||") }
            'BinaryExpressionAst' { if ($node.Operator -eq 'QuestionQuestion') { $found.Add("line ${line}: null-coalescing ??") } }
            'AssignmentStatementAst' { if ($node.Operator -eq 'QuestionQuestionEquals') { $found.Add("line ${line}: null-coalescing assignment ??=") } }
            { $_ -in 'MemberExpressionAst', 'InvokeMemberExpressionAst', 'IndexExpressionAst' } { if ($node.NullConditional) { $found.Add("line ${line}: null-conditional ?. or ?[]") } }
            'ScriptBlockAst' { if ($null -ne $node.CleanBlock) { $found.Add("line ${line}: clean block") } }
        }
    }
    foreach ($token in $Tokens) {
        # `e and `u{...} escapes are PowerShell 6+; 5.1 reads them as a plain e or u.
        if ($token.Kind -in 'StringExpandable', 'HereStringExpandable' -and $token.Text -match '`(e|u\{)') {
            $found.Add("line $($token.Extent.StartLineNumber): escape ``$($Matches[1]) in a double-quoted string")
        }
        if ($token.Kind -in 'AndAnd', 'OrOr', 'QuestionQuestion', 'QuestionQuestionEquals', 'QuestionDot', 'QuestionLBracket') {
            $found.Add("line $($token.Extent.StartLineNumber): token $($token.Text)")
        }
    }
    return , @($found | Select-Object -Unique)
}

$results = foreach ($entry in (Get-Content -LiteralPath $Manifest -Raw | ConvertFrom-Json)) {
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($entry.script, [ref] $tokens, [ref] $errors)
    $bytes = [System.IO.File]::ReadAllBytes($entry.script)
    $bom = $bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF

    [Environment]::SetEnvironmentVariable('V2V_HYPERV_CALLS', $entry.calls)
    [Environment]::SetEnvironmentVariable('V2V_HYPERV_EXISTING', $entry.existing)
    $output = @()
    $failure = $null
    if ($errors.Count -eq 0) {
        $shell = [PowerShell]::Create([System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2())
        try {
            $null = $shell.AddCommand($entry.script).AddParameter('DiskFolder', $entry.diskFolder)
            $output = @($shell.Invoke() | ForEach-Object { "$_" })
            if ($shell.Streams.Error.Count -gt 0) { $failure = "$($shell.Streams.Error[0])" }
        }
        catch {
            $inner = $_.Exception
            while ($inner.InnerException) { $inner = $inner.InnerException }
            $failure = $inner.Message
        }
        finally {
            $shell.Dispose()
        }
    }

    [ordered]@{
        script = $entry.script
        parseErrors = @($errors | ForEach-Object { "line $($_.Extent.StartLineNumber): $($_.Message)" })
        powerShell7Syntax = Find-PowerShell7Syntax $ast $tokens
        utf8Bom = $bom
        output = $output
        failure = $failure
    }
}
[System.IO.File]::WriteAllText($Result, (ConvertTo-Json -InputObject @($results) -Depth 6), [System.Text.UTF8Encoding]::new($false))
