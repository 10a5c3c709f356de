"""Fixes for moto_server bugs that the `deploy` tests run into, loaded by the Python that
runs `moto_server` (the tests put this directory on its PYTHONPATH).

Each fix makes moto accept or report what AWS accepts or reports; none changes what moto
models. They were checked against moto 5.2.1 and 5.2.5 (see docs/deploy.md):

1. AWS::ApiGateway::Method with an Integration without `IntegrationHttpMethod` or `Uri`
   (a MOCK integration, as the CORS preflight methods have) crashes moto's CloudFormation
   with a KeyError and a 500 answer.
2. AWS::Lambda::Permission whose FunctionName refers to a resource moto does not model
   (AWS::Lambda::Alias) reaches moto without a FunctionName and crashes it.
3. DescribeStacks writes a CommaDelimitedList parameter as a Python list (`['a', 'b']`)
   instead of CloudFormation's `a,b`.
"""

import sys


def _report(fix, error):
    print(f"pipewright moto fix {fix} not applied: {error!r}", file=sys.stderr)


try:
    from moto.apigateway import models as _apigateway

    def _create_method(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        backend = _apigateway.apigateway_backends[account_id][region_name]
        method = backend.put_method(
            function_id=properties["RestApiId"],
            resource_id=properties["ResourceId"],
            method_type=properties["HttpMethod"],
            authorization_type=properties["AuthorizationType"],
            api_key_required=properties.get("ApiKeyRequired"),
        )
        integration = properties.get("Integration")
        if integration:
            backend.put_integration(
                function_id=properties["RestApiId"],
                resource_id=properties["ResourceId"],
                method_type=properties["HttpMethod"],
                integration_type=integration["Type"],
                uri=integration.get("Uri"),
                integration_method=integration.get("IntegrationHttpMethod"),
            )
        return method

    _apigateway.Method.create_from_cloudformation_json = classmethod(_create_method)
except Exception as error:  # noqa: BLE001 - report and let moto run unpatched
    _report(1, error)

try:
    from moto.awslambda import models as _awslambda

    _create_permission = _awslambda.Permission.create_from_cloudformation_json.__func__

    def _create_permission_tolerant(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        if "FunctionName" not in cloudformation_json.get("Properties", {}):
            return _awslambda.Permission(region=region_name)
        return _create_permission(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    _awslambda.Permission.create_from_cloudformation_json = classmethod(_create_permission_tolerant)
except Exception as error:  # noqa: BLE001
    _report(2, error)

try:
    from moto.cloudformation import models as _cloudformation

    def _parameter_list(self):
        hidden = self.resource_map.no_echo_parameter_keys
        out = []
        for key, value in self.resource_map.resolved_parameters.items():
            if isinstance(value, list):
                value = ",".join(str(v) for v in value)
            out.append({"ParameterKey": key, "ParameterValue": "****" if key in hidden else value})
        return out

    _cloudformation.Stack.parameter_list = property(_parameter_list)
except Exception as error:  # noqa: BLE001
    _report(3, error)
