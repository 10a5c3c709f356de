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

And two that add what the pipeline stack needs and moto's CloudFormation lacks, on top of
the backends moto already has (`deploy rehearse` deploys the pipeline stack to moto, then
reads the pipeline and its projects back through the CodePipeline and CodeBuild APIs):

4. AWS::CodeBuild::Project: created, updated and deleted in moto's CodeBuild backend
   (`BatchGetProjects` answers with the buildspec, environment, role and cache), with the
   attribute `Arn`.
5. AWS::CodePipeline::Pipeline: created, updated and deleted in moto's CodePipeline backend
   (`GetPipeline` answers with the stages, actions and artifact stores as declared, in
   the API's shapes), with the attribute `Version`.

And one that makes a failure look as it does on AWS:

6. A resource that moto fails to create or update while it executes a change set (a
   Lambda function whose code object does not exist...) makes `ExecuteChangeSet` answer
   with that service's raw error and leaves the stack "in progress". On AWS the change set
   executes, the resource is `CREATE_FAILED` with the reason, and the stack rolls back:
   this fix records the failed resource's event with the service's message and leaves the
   stack `ROLLBACK_COMPLETE` (a create) or `UPDATE_ROLLBACK_COMPLETE` (an update).
7. A stack created or updated through a change set keeps the outputs of its previous
   template (none for a new stack): `ExecuteChangeSet` does not read the new template's
   `Outputs` as `UpdateStack` does. This fix reads them after a successful execution, so
   `DescribeStacks` answers with the stack's outputs (the pipeline's `verify` steps and
   namespaces get the API URLs from there).
8. AWS::Lambda::Alias (the `Current` alias of every function) is not a CloudFormation
   resource for moto, though its Lambda backend has aliases: the stack's `AliasArn`
   outputs and the permissions on the alias had nothing to refer to. This fix creates,
   updates and deletes aliases in moto's Lambda backend (`Ref` is the alias ARN, as on
   AWS) and gives AWS::Lambda::Version its `Version` attribute.
9. `CreateChangeSet` for a stack whose template and parameters did not change answers
   "ValidationError: No updates are to be performed" (what `UpdateStack` answers). AWS
   creates the change set with status `FAILED` and the reason "The submitted information
   didn't contain changes", which `aws cloudformation deploy --no-fail-on-empty-changeset`
   (the SupportStacks action) and CodePipeline's actions treat as success. This fix lets
   moto's backend do what it already does for that case: such a change set.
10. A parameter of type `AWS::SSM::Parameter::Value<...>` (the CDK's `BootstrapVersion`)
   given as `UsePreviousValue` takes the previous *resolved* value ("18") and then looks
   that up as a parameter name, which crashes moto (a 500). On AWS the previous value is
   the parameter's name. This fix gives moto the previous value as it was given (or the
   template's default).
11. AWS::ApiGateway::Stage is not a CloudFormation resource for moto, though its API
   Gateway backend has stages: a `Ref` to the stage stayed `${Stage}` in the API's URL
   output. This fix creates, updates and deletes stages in moto's API Gateway backend
   (`Ref` is the stage name, as on AWS).

And two that `bootstrap` needs to find and repair what was deleted behind CloudFormation's
back:

12. A stack update that removes a resource deletes it even when its `DeletionPolicy` is
   `Retain`, fails when the resource is gone already (a bucket deleted by hand: the update
   answers `NoSuchBucket`), and keeps the removed resource in the stack's memory, so that
   a later update that adds it back does not create it. On AWS a retained resource is
   left as it is, a resource that is already gone counts as deleted, and adding a resource
   back creates it. This fix does the same for the resource types of fix 13.
13. `DetectStackResourceDrift` is not implemented. This fix answers it for the resource
   types whose existence moto's backends can tell (S3 buckets, SSM parameters, IAM roles,
   ECR repositories): `DELETED` when the resource is gone, `IN_SYNC` otherwise (moto
   cannot compare properties), `NOT_CHECKED` for other types.

And one that `protect: true` needs:

14. `UpdateTerminationProtection` is not implemented, and `DeleteStack` deletes a stack
   created with `EnableTerminationProtection`. This fix records the setting (it is in
   `DescribeStacks` as on AWS) and makes `DeleteStack` answer AWS's `ValidationError`
   ("Stack [NAME] cannot be deleted while TerminationProtection is enabled") for a
   protected stack.

And one for stacks without a lambda or api (their template holds one marker parameter):

15. AWS::SSM::Parameter without a `Name` crashes moto's CloudFormation (`'NoneType' object
   has no attribute 'lower'`); AWS names such a parameter itself. This fix gives it the
   physical name moto generates for the resource (`STACK-LOGICALID-RANDOM`).

And one that the broadening check needs (every stack's change set is `PipelineChange`):

16. `DescribeChangeSet` and `DeleteChangeSet` by a change set's name ignore `StackName`:
   they describe the last change set of that name in the region, and delete the first,
   whichever stack it belongs to. AWS finds the named stack's. This fix does.

And one that a second rehearsal of a first deployment needs (the first one stopped at
the approval, leaving the stack under review):

17. `CreateChangeSet` of type `CREATE` for a stack in `REVIEW_IN_PROGRESS` (its first change
   set was never executed) makes a second stack of that name, which `DescribeStacks` does
   not answer with. AWS adds the change set to the stack under review. This fix does.

And one for `resource` blocks of types moto's CloudFormation does not implement:

18. moto skips a resource of a type its CloudFormation does not implement (a Cognito user
   pool, an ElastiCache serverless cache...), with a Python warning; a `Fn::GetAtt` of it
   then fails the whole template ("instance of Fn::GetAtt references undefined resource"),
   and a `Ref` of it gives `None`, which crashes the resource that uses it. This fix makes
   a reference to such a resource a placeholder that names it: `Ref` the physical name moto
   would generate (`STACK-LOGICALID-PLACEHOLDER`), `Fn::GetAtt` an ARN of that name in
   the stack's account and region (`arn:aws:SERVICE:REGION:ACCOUNT:TYPE/NAME`) for `Arn`
   or `ARN`, else the name. Nothing is created: the rehearsal says which types the
   emulator does not implement when it starts.
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


def _api_shape(value, keep_keys=False):
    """CloudFormation's property names (`RunOrder`) as the service APIs spell them
    (`runOrder`), except inside maps whose keys are data (action `Configuration`)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = key if keep_keys else key[:1].lower() + key[1:]
            if name == "configuration":
                out[name] = {k: _configuration_value(v) for k, v in item.items()}
            else:
                out[name] = _api_shape(item)
        return out
    if isinstance(value, list):
        return [_api_shape(item) for item in value]
    return value


def _configuration_value(value):
    # CodePipeline stores every configuration value as a string.
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


try:
    from moto.codebuild import models as _codebuild
    from moto.core.common_models import CloudFormationModel as _CloudFormationModel

    class CodeBuildProject(_CloudFormationModel):
        """Fix 4: AWS::CodeBuild::Project in moto's CodeBuild backend."""

        # moto files every model under the service its module is in.
        __module__ = "moto.codebuild.pipewright"

        def __init__(self, account_id, region_name, name, arn):
            self.account_id, self.region_name, self.name, self.arn = account_id, region_name, name, arn

        @staticmethod
        def cloudformation_name_type():
            return "Name"

        @staticmethod
        def cloudformation_type():
            return "AWS::CodeBuild::Project"

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr == "Arn"

        @property
        def physical_resource_id(self):
            return self.name

        def get_cfn_attribute(self, attribute_name):
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            if attribute_name == "Arn":
                return self.arn
            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            properties = cloudformation_json["Properties"]
            source = _api_shape(properties.get("Source", {"Type": "NO_SOURCE"}))
            if "buildSpec" in source:
                source["buildspec"] = source.pop("buildSpec")
            backend = _codebuild.codebuild_backends[account_id][region_name]
            project = backend.create_project(
                project_name=resource_name,
                description=properties.get("Description"),
                project_source=source,
                artifacts=_api_shape(properties.get("Artifacts", {"Type": "NO_ARTIFACTS"})),
                environment=_api_shape(properties.get("Environment", {})),
                service_role=properties["ServiceRole"],
                tags=[{"key": t["Key"], "value": t["Value"]} for t in properties.get("Tags", [])],
                cache=_api_shape(properties["Cache"]) if "Cache" in properties else None,
                timeout=properties.get("TimeoutInMinutes"),
                queued_timeout=properties.get("QueuedTimeoutInMinutes"),
                source_version=properties.get("SourceVersion"),
                logs_config=_api_shape(properties["LogsConfig"]) if "LogsConfig" in properties else None,
                vpc_config=None,
            )
            if "EncryptionKey" in properties:
                project["encryptionKey"] = properties["EncryptionKey"]
            return cls(account_id, region_name, resource_name, project["arn"])

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            cls.delete_from_cloudformation_json(original_resource.name, cloudformation_json, account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            backend = _codebuild.codebuild_backends[account_id][region_name]
            backend.codebuild_projects.pop(resource_name, None)

        def is_created(self):
            return True

except Exception as error:  # noqa: BLE001
    _report(4, error)

try:
    from moto.codepipeline import models as _codepipeline
    from moto.core.common_models import CloudFormationModel as _CloudFormationModel

    # Properties of the resource that the CodePipeline API does not have.
    _CFN_ONLY = ("RestartExecutionOnUpdate", "DisableInboundStageTransitions", "Tags")

    class CodePipelinePipeline(_CloudFormationModel):
        """Fix 5: AWS::CodePipeline::Pipeline in moto's CodePipeline backend."""

        __module__ = "moto.codepipeline.pipewright"

        def __init__(self, account_id, region_name, name):
            self.account_id, self.region_name, self.name = account_id, region_name, name

        @staticmethod
        def cloudformation_name_type():
            return "Name"

        @staticmethod
        def cloudformation_type():
            return "AWS::CodePipeline::Pipeline"

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr == "Version"

        @property
        def physical_resource_id(self):
            return self.name

        def get_cfn_attribute(self, attribute_name):
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            if attribute_name == "Version":
                backend = _codepipeline.codepipeline_backends[self.account_id][self.region_name]
                return str(backend.pipelines[self.name].pipeline["version"])
            raise UnformattedGetAttTemplateException()

        @staticmethod
        def _declaration(resource_name, cloudformation_json):
            properties = cloudformation_json["Properties"]
            declaration = _api_shape({k: v for k, v in properties.items() if k not in _CFN_ONLY})
            declaration["name"] = resource_name
            if "artifactStores" in declaration:
                # A list of {Region, ArtifactStore} in templates, a map by region in the API.
                declaration["artifactStores"] = {
                    store["region"]: store["artifactStore"] for store in declaration["artifactStores"]
                }
            return declaration, [{"key": t["Key"], "value": t["Value"]} for t in properties.get("Tags", [])]

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            declaration, tags = cls._declaration(resource_name, cloudformation_json)
            backend = _codepipeline.codepipeline_backends[account_id][region_name]
            backend.create_pipeline(declaration, tags)
            return cls(account_id, region_name, resource_name)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            backend = _codepipeline.codepipeline_backends[account_id][region_name]
            if new_resource_name != original_resource.name:
                backend.delete_pipeline(original_resource.name)
                return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            declaration, _ = cls._declaration(new_resource_name, cloudformation_json)
            backend.update_pipeline(declaration)
            return original_resource

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            _codepipeline.codepipeline_backends[account_id][region_name].delete_pipeline(resource_name)

        def is_created(self):
            return True

except Exception as error:  # noqa: BLE001
    _report(5, error)


try:
    from moto.cloudformation import models as _cfn_models
    from moto.cloudformation import parsing as _cfn_parsing

    def _remember_resource(original):
        def wrapper(logical_id, resource_json, *args, **kwargs):
            try:
                return original(logical_id, resource_json, *args, **kwargs)
            except Exception as error:  # noqa: BLE001 - annotated and raised again
                if not hasattr(error, "pipewright_resource"):
                    error.pipewright_resource = (logical_id, resource_json.get("Type", ""))
                raise

        return wrapper

    _cfn_parsing.parse_and_create_resource = _remember_resource(_cfn_parsing.parse_and_create_resource)
    _cfn_parsing.parse_and_update_resource = _remember_resource(_cfn_parsing.parse_and_update_resource)

    _execute_change_set = _cfn_models.CloudFormationBackend.execute_change_set

    def _reason(error):
        message = getattr(error, "message", None) or getattr(error, "description", None) or str(error)
        code = getattr(error, "error_type", None) or getattr(error, "code", None) or type(error).__name__
        return f"{message} (Service error: {code})"

    def _find_change_set(backend, change_set_name):
        return backend.change_sets.get(change_set_name) or next(
            (c for c in backend.change_sets.values() if c.change_set_name == change_set_name), None
        )

    def _execute_or_roll_back(self, change_set_name, stack_name=None):
        try:
            _execute_change_set(self, change_set_name, stack_name)
        except Exception as error:  # noqa: BLE001 - reported as CloudFormation reports it
            resource = getattr(error, "pipewright_resource", None)
            change_set = _find_change_set(self, change_set_name)
            if resource is None or change_set is None:
                raise
            stack = self.stacks[change_set.stack_id]
            creating = change_set.change_set_type == "CREATE"
            logical_id, resource_type = resource
            stack.events.append(
                _cfn_models.Event(
                    stack_id=stack.stack_id,
                    stack_name=stack.name,
                    logical_resource_id=logical_id,
                    physical_resource_id="",
                    resource_type=resource_type,
                    resource_status="CREATE_FAILED" if creating else "UPDATE_FAILED",
                    resource_status_reason=_reason(error),
                    resource_properties=None,
                )
            )
            final = "ROLLBACK_COMPLETE" if creating else "UPDATE_ROLLBACK_COMPLETE"
            stack._add_stack_event(
                "ROLLBACK_IN_PROGRESS" if creating else "UPDATE_ROLLBACK_IN_PROGRESS",
                resource_status_reason=f"The following resource(s) failed to {'create' if creating else 'update'}: [{logical_id}].",
            )
            stack._add_stack_event(final)
            stack.status = final
            change_set.execution_status = "EXECUTE_FAILED"
            return
        try:  # fix 7
            stack = self.stacks[_find_change_set(self, change_set_name).stack_id]
            stack._parse_template()
            stack.description = stack.template_dict.get("Description")
            stack.output_map = stack._create_output_map()
        except Exception as error:  # noqa: BLE001
            _report(7, error)

    _cfn_models.CloudFormationBackend.execute_change_set = _execute_or_roll_back
except Exception as error:  # noqa: BLE001
    _report(6, error)


try:
    from moto.awslambda import models as _awslambda_models
    from moto.core.common_models import CloudFormationModel as _CloudFormationModel

    def _lambda_backend(account_id, region_name):
        return _awslambda_models.lambda_backends[account_id][region_name]

    def _function_name(name_or_arn):
        # A function's ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`) or name.
        parts = str(name_or_arn).split(":")
        return parts[6] if len(parts) >= 7 and parts[5] == "function" else str(name_or_arn)

    class LambdaAliasResource(_CloudFormationModel):
        """Fix 8: AWS::Lambda::Alias in moto's Lambda backend."""

        __module__ = "moto.awslambda.pipewright"

        def __init__(self, alias, function_name):
            self.alias, self.function_name = alias, function_name

        @staticmethod
        def cloudformation_name_type():
            return "Name"

        @staticmethod
        def cloudformation_type():
            return "AWS::Lambda::Alias"

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr == "AliasArn"

        @property
        def physical_resource_id(self):
            return self.alias.arn

        def get_cfn_attribute(self, attribute_name):
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            if attribute_name == "AliasArn":
                return self.alias.arn
            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            properties = cloudformation_json["Properties"]
            function_name = _function_name(properties["FunctionName"])
            alias = _lambda_backend(account_id, region_name).create_alias(
                name=properties["Name"],
                function_name=function_name,
                function_version=str(properties["FunctionVersion"]),
                description=properties.get("Description", ""),
                routing_config=properties.get("RoutingConfig"),
            )
            return cls(alias, function_name)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            properties = cloudformation_json["Properties"]
            alias = _lambda_backend(account_id, region_name).update_alias(
                name=original_resource.alias.name,
                function_name=original_resource.function_name,
                function_version=str(properties["FunctionVersion"]),
                description=properties.get("Description", ""),
                routing_config=properties.get("RoutingConfig"),
            )
            return cls(alias, original_resource.function_name)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            properties = cloudformation_json["Properties"]
            try:
                _lambda_backend(account_id, region_name).delete_alias(
                    properties["Name"], _function_name(properties["FunctionName"])
                )
            except Exception:  # noqa: BLE001 - gone with its function already
                pass

        def is_created(self):
            return True

    def _version_attribute(self, attribute_name):
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "Version":
            return str(self.version)
        raise UnformattedGetAttTemplateException()

    _awslambda_models.LambdaVersion.get_cfn_attribute = _version_attribute
    _awslambda_models.LambdaVersion.has_cfn_attr = classmethod(lambda cls, attr: attr == "Version")
except Exception as error:  # noqa: BLE001
    _report(8, error)


try:
    from moto.cloudformation import responses as _cfn_responses

    _Response = _cfn_responses.CloudFormationResponse
    _validate_different_update = _Response._validate_different_update
    _create_change_set_response = _Response.create_change_set

    def _create_change_set_even_if_empty(self):
        self._pipewright_change_set = True
        try:
            return _create_change_set_response(self)
        finally:
            self._pipewright_change_set = False

    def _validate_unless_change_set(self, *args, **kwargs):
        if getattr(self, "_pipewright_change_set", False):
            return None
        return _validate_different_update(self, *args, **kwargs)

    _Response.create_change_set = _create_change_set_even_if_empty
    _Response._validate_different_update = _validate_unless_change_set
except Exception as error:  # noqa: BLE001
    _report(9, error)


try:
    from moto.cloudformation import models as _cfn_models

    def _given_parameters(stack):
        resource_map = stack.resource_map
        declared = (getattr(stack, "template_dict", None) or {}).get("Parameters", {})
        given = dict(resource_map.resolved_parameters)
        for key, declaration in declared.items():
            if key in (resource_map.input_parameters or {}):
                given[key] = resource_map.input_parameters[key]
            elif str(declaration.get("Type", "")).startswith("AWS::SSM::Parameter::") and "Default" in declaration:
                given[key] = declaration["Default"]
        return given

    # What `UsePreviousValue` and the "no updates" comparison read.
    _cfn_models.Stack.stack_parameters = property(_given_parameters)
except Exception as error:  # noqa: BLE001
    _report(10, error)


try:
    from moto.apigateway import models as _apigateway_models
    from moto.core.common_models import CloudFormationModel as _CloudFormationModel

    class ApiGatewayStageResource(_CloudFormationModel):
        """Fix 11: AWS::ApiGateway::Stage in moto's API Gateway backend."""

        __module__ = "moto.apigateway.pipewright"

        def __init__(self, rest_api_id, name):
            self.rest_api_id, self.name = rest_api_id, name

        @staticmethod
        def cloudformation_name_type():
            return "StageName"

        @staticmethod
        def cloudformation_type():
            return "AWS::ApiGateway::Stage"

        @classmethod
        def has_cfn_attr(cls, attr):
            return False

        @property
        def physical_resource_id(self):
            return self.name

        @staticmethod
        def _create(properties, account_id, region_name):
            backend = _apigateway_models.apigateway_backends[account_id][region_name]
            # moto's Deployment has no physical id: a `Ref` to it gives the object.
            deployment = properties.get("DeploymentId")
            backend.create_stage(
                function_id=properties["RestApiId"],
                stage_name=properties["StageName"],
                deploymentId=getattr(deployment, "id", deployment),
                variables=properties.get("Variables"),
                description=properties.get("Description", ""),
                tracing_enabled=properties.get("TracingEnabled"),
            )
            return ApiGatewayStageResource(properties["RestApiId"], properties["StageName"])

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            return cls._create(cloudformation_json["Properties"], account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            backend = _apigateway_models.apigateway_backends[account_id][region_name]
            try:
                backend.delete_stage(original_resource.rest_api_id, original_resource.name)
            except Exception:  # noqa: BLE001 - gone already
                pass
            return cls._create(cloudformation_json["Properties"], account_id, region_name)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            properties = cloudformation_json["Properties"]
            try:
                backend = _apigateway_models.apigateway_backends[account_id][region_name]
                backend.delete_stage(properties["RestApiId"], properties["StageName"])
            except Exception:  # noqa: BLE001 - gone with its API already
                pass

        def is_created(self):
            return True

except Exception as error:  # noqa: BLE001
    _report(11, error)


try:
    from moto.cloudformation import parsing as _cfn_parsing
    from moto.cloudformation import responses as _cfn_responses
    from moto.ecr import models as _ecr_models
    from moto.iam import models as _iam_models
    from moto.s3 import models as _s3_models
    from moto.ssm import models as _ssm_models
    from moto.utilities.utils import get_partition as _partition

    def _role_exists(name, account_id, region_name):
        try:
            _iam_models.iam_backends[account_id][_partition(region_name)].get_role(name)
            return True
        except Exception:  # noqa: BLE001 - moto's "not found"
            return False

    _EXISTS = {
        "AWS::S3::Bucket": lambda name, account_id, region_name: name
        in _s3_models.s3_backends[account_id][_partition(region_name)].buckets,
        "AWS::SSM::Parameter": lambda name, account_id, region_name: _ssm_models.ssm_backends[account_id][
            region_name
        ].get_parameter(name)
        is not None,
        "AWS::IAM::Role": _role_exists,
        "AWS::ECR::Repository": lambda name, account_id, region_name: name
        in _ecr_models.ecr_backends[account_id][region_name].repositories,
    }

    def _exists(resource_type, physical_id, account_id, region_name):
        """True, False, or None when moto cannot tell (fix 13)."""
        check = _EXISTS.get(resource_type)
        return None if check is None else bool(check(physical_id, account_id, region_name))

    _update_resources = _cfn_parsing.ResourceMap.update

    def _update_keeping_retained_and_gone(self, template, parameters=None):
        removed = [name for name in self._resource_json_map if name not in template["Resources"]]
        for name in removed:
            declared = self._resource_json_map[name]
            resource = self._parsed_resources.get(name)
            physical_id = getattr(resource, "physical_resource_id", None)
            retained = declared.get("DeletionPolicy") == "Retain"
            gone = _exists(declared.get("Type"), physical_id, self._account_id, self._region_name) is False
            if resource is not None and (retained or gone):
                # moto's update skips (with a warning) what it does not remember.
                del self._parsed_resources[name]
        _update_resources(self, template, parameters)
        for name in removed:
            self._parsed_resources.pop(name, None)

    _cfn_parsing.ResourceMap.update = _update_keeping_retained_and_gone

    def _detect_stack_resource_drift(self):
        stack_name = self._get_param("StackName")
        logical_id = self._get_param("LogicalResourceId")
        stack = self.cloudformation_backend.get_stack(stack_name)
        declared = stack.resource_map._resource_json_map.get(logical_id)
        if declared is None:
            from moto.cloudformation.exceptions import ValidationError

            raise ValidationError(stack_name, f"Resource {logical_id} does not exist for stack {stack_name}")
        resource = stack.resource_map._parsed_resources.get(logical_id)
        resource_type = declared["Type"]
        physical_id = getattr(resource, "physical_resource_id", None)
        exists = _exists(resource_type, physical_id, stack.account_id, stack.region_name)
        status = {None: "NOT_CHECKED", True: "IN_SYNC", False: "DELETED"}[exists]
        from moto.core.utils import utcnow

        drift = {
            "StackId": stack.stack_id,
            "LogicalResourceId": logical_id,
            "PhysicalResourceId": physical_id,
            "ResourceType": resource_type,
            "StackResourceDriftStatus": status,
            "Timestamp": utcnow(),
        }
        return _cfn_responses.ActionResult({"StackResourceDrift": drift})

    _cfn_responses.CloudFormationResponse.detect_stack_resource_drift = _detect_stack_resource_drift
except Exception as error:  # noqa: BLE001
    _report(12, error)

try:
    from moto.cloudformation import models as _cfn_models_14
    from moto.cloudformation import responses as _cfn_responses_14
    from moto.cloudformation.exceptions import ValidationError as _ValidationError14

    def _update_termination_protection(self):
        stack_name = self._get_param("StackName")
        enabled = str(self._get_param("EnableTerminationProtection")).lower() == "true"
        stack = self.cloudformation_backend.get_stack(stack_name)
        stack.enable_termination_protection = enabled
        return _cfn_responses_14.ActionResult({"StackId": stack.stack_id})

    _cfn_responses_14.CloudFormationResponse.update_termination_protection = _update_termination_protection

    _delete_stack_14 = _cfn_models_14.CloudFormationBackend.delete_stack

    def _delete_stack_unless_protected(self, name_or_stack_id):
        stack = None
        for candidate in list(self.stacks.values()):
            if name_or_stack_id in (candidate.name, candidate.stack_id) and candidate.status != "DELETE_COMPLETE":
                stack = candidate
        if stack is not None and getattr(stack, "enable_termination_protection", False):
            raise _ValidationError14(
                stack.name,
                f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled",
            )
        return _delete_stack_14(self, name_or_stack_id)

    _cfn_models_14.CloudFormationBackend.delete_stack = _delete_stack_unless_protected
except Exception as error:  # noqa: BLE001
    _report(14, error)

try:
    from moto.ssm import models as _ssm_models_15

    _create_parameter_15 = _ssm_models_15.Parameter.create_from_cloudformation_json.__func__

    def _create_parameter_named(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json.setdefault("Properties", {})
        if not properties.get("Name"):
            properties["Name"] = resource_name
        return _create_parameter_15(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    _ssm_models_15.Parameter.create_from_cloudformation_json = classmethod(_create_parameter_named)
except Exception as error:  # noqa: BLE001
    _report(15, error)

try:
    from moto.cloudformation import models as _cfn_models_16  # noqa: F401 - the backend's module
    from moto.cloudformation import responses as _cfn_responses_16
    from moto.cloudformation.exceptions import ValidationError as _ValidationError16

    def _change_set_key(backend, change_set_name, stack_name):
        """The key of a change set given by its ARN, or by its name in a stack (the
        stack's name or id; any stack when none is given, as moto did)."""
        if change_set_name in backend.change_sets:
            return change_set_name
        found = None
        for key, change_set in backend.change_sets.items():
            if change_set.change_set_name == change_set_name and (
                not stack_name or stack_name in (change_set.stack_name, change_set.stack_id)
            ):
                found = key
        if found is None:
            raise _ValidationError16(change_set_name)
        return found

    def _describe_change_set(self):
        backend = self.cloudformation_backend
        key = _change_set_key(backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
        return _cfn_responses_16.ActionResult(backend.change_sets[key])

    def _delete_change_set(self):
        backend = self.cloudformation_backend
        key = _change_set_key(backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
        del backend.change_sets[key]
        return _cfn_responses_16.EmptyResult()

    _cfn_responses_16.CloudFormationResponse.describe_change_set = _describe_change_set
    _cfn_responses_16.CloudFormationResponse.delete_change_set = _delete_change_set
except Exception as error:  # noqa: BLE001
    _report(16, error)

try:
    from moto.cloudformation import models as _cfn_models_17

    _create_change_set_17 = _cfn_models_17.CloudFormationBackend.create_change_set

    def _create_change_set_on_the_stack_under_review(self, **kwargs):
        stack = next(
            (s for s in self.stacks.values()
             if s.name == kwargs.get("stack_name") and s.status == "REVIEW_IN_PROGRESS"),
            None,
        )
        if kwargs.get("change_set_type") != "CREATE" or stack is None:
            return _create_change_set_17(self, **kwargs)
        # What moto does for a new stack, on the stack under review.
        name = kwargs["change_set_name"]
        _cfn_models_17.validate_create_change_set(name)
        change_set_id = _cfn_models_17.generate_changeset_id(name, self.region_name, self.account_id)
        change_set = _cfn_models_17.ChangeSet(
            change_set_type="CREATE",
            change_set_id=change_set_id,
            change_set_name=name,
            stack=stack,
            template=kwargs["template"],
            parameters=kwargs["parameters"],
            description=kwargs["description"],
            notification_arns=kwargs.get("notification_arns"),
            tags=kwargs.get("tags"),
            role_arn=kwargs.get("role_arn"),
        )
        change_set.status = "CREATE_COMPLETE"
        change_set.execution_status = "AVAILABLE"
        self.change_sets[change_set_id] = change_set
        return change_set_id, stack.stack_id

    _cfn_models_17.CloudFormationBackend.create_change_set = _create_change_set_on_the_stack_under_review
except Exception as error:  # noqa: BLE001
    _report(17, error)

try:
    from moto.cloudformation import parsing as _cfn_parsing_18

    _clean_json_18 = _cfn_parsing_18.clean_json

    def _unimplemented_target(resource_json, resources_map):
        """The logical id and attribute a Ref or GetAtt names, when its type is one moto's
        CloudFormation does not implement (None otherwise)."""
        if "Ref" in resource_json:
            target, attribute = resource_json["Ref"], None
        elif "Fn::GetAtt" in resource_json:
            target, attribute = resource_json["Fn::GetAtt"][0], resource_json["Fn::GetAtt"][1]
        else:
            return None
        declared = getattr(resources_map, "_resource_json_map", {}).get(target)
        if not isinstance(declared, dict) or "Type" not in declared:
            return None
        if _cfn_parsing_18.resource_class_from_type(declared["Type"]):
            return None
        return target, attribute, declared["Type"]

    def _placeholder(resources_map, target, attribute, resource_type):
        stack_name = resources_map._parsed_resources.get("AWS::StackName", "stack")
        name = f"{stack_name}-{target}-PLACEHOLDER"
        if attribute not in ("Arn", "ARN"):
            return name
        _, service, kind = resource_type.split("::", 2)
        return (f"arn:aws:{service.lower()}:{resources_map._region_name}:"
                f"{resources_map._account_id}:{kind.lower()}/{name}")

    def _clean_json_with_placeholders(resource_json, resources_map):
        if isinstance(resource_json, dict):
            target = _unimplemented_target(resource_json, resources_map)
            if target is not None:
                return _placeholder(resources_map, *target)
        return _clean_json_18(resource_json, resources_map)

    # clean_json recurses through the module's global name: every level gets the fix.
    _cfn_parsing_18.clean_json = _clean_json_with_placeholders
except Exception as error:  # noqa: BLE001
    _report(18, error)

